/** localhost, 127.x.y.z or ::1 (brackets allowed): an address only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * Checks across the sections of `cairn.yaml` that one key's schema cannot make, on the raw value (before the schema),
 * so that they are reported together with the schema's own problems.
 */
export type Issue = { path: (string | number)[]; message: string };
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks across sections (names of repositories, of notification channels in jobs' routes and of jobs in the
 * notification routes, users or tokens for a listen address beyond this machine), done on the raw
 * value so that they are reported together with the schema's own problems, not only once those are fixed.
 */
export function crossCheck(raw: unknown): Issue[] {
  if (!isRecord(raw)) return [];
  const issues: Issue[] = [];
  const repos = isRecord(raw.repositories) ? raw.repositories : {};
  const unknownRepo = (name: unknown, path: (string | number)[]): void => {
    if (typeof name === 'string' && !(name in repos)) {
      issues.push({
        path,
        message: `names the repository "${name}", which is not defined under repositories`,
      });
    }
  };
  for (const [jobName, job] of Object.entries(isRecord(raw.jobs) ? raw.jobs : {})) {
    if (!isRecord(job)) continue;
    if (Array.isArray(job.repositories)) {
      job.repositories.forEach((r: unknown, i) =>
        unknownRepo(isRecord(r) ? r.name : r, ['jobs', jobName, 'repositories', i]),
      );
    }
    if (isRecord(job.drill)) unknownRepo(job.drill.repository, ['jobs', jobName, 'drill', 'repository']);
    if (Array.isArray(job.notify))
      issues.push(...unknownChannels(raw, job.notify, ['jobs', jobName, 'notify']));
  }
  issues.push(...unknownJobsInRoutes(raw));
  const server = isRecord(raw.server) ? raw.server : {};
  if (typeof server.listen === 'string') {
    const loopback = isLoopbackHost(server.listen.replace(/:\d+$/, ''));
    const count = (v: unknown): number => (Array.isArray(v) ? v.length : 0);
    if (!loopback && count(server.tokens) + count(server.users) === 0) {
      issues.push({
        path: ['server', 'listen'],
        message:
          'listens beyond this machine, so server.users (dashboard logins) or server.tokens (API tokens) must not be empty',
      });
    }
  }
  return issues;
}

/** The channel names a job's routes give (a bare name, or a route's `channels`) that the notifications lack. */
function unknownChannels(raw: Record<string, unknown>, routes: unknown[], at: (string | number)[]): Issue[] {
  const section = isRecord(raw.notifications) ? raw.notifications : {};
  const channels = Object.keys(isRecord(section.channels) ? section.channels : {});
  const issues: Issue[] = [];
  const check = (name: unknown, path: (string | number)[]): void => {
    if (typeof name === 'string' && !channels.includes(name)) {
      issues.push({
        path,
        message: `names the channel "${name}", which is not defined under notifications.channels (${channels.length > 0 ? `the channels are: ${channels.join(', ')}` : 'there are none'})`,
      });
    }
  };
  routes.forEach((r, i) => {
    if (isRecord(r) && Array.isArray(r.channels))
      r.channels.forEach((c: unknown, j) => check(c, [...at, i, 'channels', j]));
    else check(r, [...at, i]);
  });
  return issues;
}

/** A route of the notifications section limited to `jobs` that do not exist would never fire. */
function unknownJobsInRoutes(raw: Record<string, unknown>): Issue[] {
  const section = isRecord(raw.notifications) ? raw.notifications : {};
  const jobs = isRecord(raw.jobs) ? raw.jobs : {};
  const issues: Issue[] = [];
  (Array.isArray(section.routes) ? section.routes : []).forEach((r: unknown, i) => {
    if (!isRecord(r) || !Array.isArray(r.jobs)) return;
    r.jobs.forEach((j: unknown, k) => {
      if (typeof j === 'string' && !(j in jobs))
        issues.push({
          path: ['notifications', 'routes', i, 'jobs', k],
          message: `names the job "${j}", which is not defined under jobs`,
        });
    });
  });
  return issues;
}
