// Data loading and live events shared by the pages.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { get } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing to load) and reloads when it changes or `reload()` is called. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    get<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (err: unknown) => live && setState((s) => ({ ...s, error: (err as Error).message, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export type EventHandler = (name: string, data: unknown) => void;
export interface EventBus {
  subscribe(fn: EventHandler): () => void;
}

export const EventsContext = createContext<EventBus>({ subscribe: () => () => undefined });

export const EVENT_NAMES = [
  'run-started',
  'run-succeeded',
  'run-failed',
  'job-overdue',
  'size-drop',
  'recovered',
  'progress',
] as const;

/** One EventSource on /api/v1/events for the whole app; pages subscribe through the context. */
export function useEventSource(enabled: boolean): EventBus {
  const handlers = useRef(new Set<EventHandler>());
  useEffect(() => {
    if (!enabled) return;
    const es = new EventSource('/api/v1/events');
    const listeners = EVENT_NAMES.map((name) => {
      const fn = (e: MessageEvent<string>): void => {
        let data: unknown;
        try {
          data = JSON.parse(e.data);
        } catch {
          return;
        }
        for (const h of handlers.current) h(name, data);
      };
      es.addEventListener(name, fn);
      return fn;
    });
    return () => {
      EVENT_NAMES.forEach((name, i) => es.removeEventListener(name, listeners[i]!));
      es.close();
    };
  }, [enabled]);
  return useMemo(
    () => ({
      subscribe(fn: EventHandler) {
        handlers.current.add(fn);
        return () => void handlers.current.delete(fn);
      },
    }),
    [],
  );
}

/** Calls `fn` for every live event (the latest `fn`, without resubscribing). */
export function useEvents(fn: EventHandler): void {
  const bus = useContext(EventsContext);
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => bus.subscribe((n, d) => ref.current(n, d)), [bus]);
}

/** Reloads `reload` when a run starts or ends (debounced a little: steps end in bursts). */
export function useReloadOnRuns(reload: () => void): void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEvents((name) => {
    if (name === 'progress') return;
    clearTimeout(timer.current);
    timer.current = setTimeout(reload, 300);
  });
  useEffect(() => () => clearTimeout(timer.current), []);
}
