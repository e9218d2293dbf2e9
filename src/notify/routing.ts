import type { JobRoute, Route } from './config.js';
import { routeSchema } from './config.js';
import type { NotifyEvent } from './event.js';
import { classOf } from './event.js';

/**
 * The channels an event goes to: every route whose `on` holds the event's class and whose `jobs` (if any) holds
 * its job contributes its channels; each channel once, in the order of first mention. A pure function.
 */
export function pickChannels(routes: readonly Route[], event: Pick<NotifyEvent, 'kind' | 'job'>): string[] {
  const cls = classOf(event.kind);
  const picked = new Set<string>();
  for (const r of routes) {
    if (!r.on.includes(cls)) continue;
    if (r.jobs !== undefined && !r.jobs.includes(event.job)) continue;
    for (const c of r.channels) picked.add(c);
  }
  return [...picked];
}

/** A job's routes as full routes: a bare channel name gets the default classes. */
export function expandJobRoutes(routes: readonly JobRoute[]): Route[] {
  return routes.map((r) => (typeof r === 'string' ? routeSchema.parse({ channels: [r] }) : r));
}
