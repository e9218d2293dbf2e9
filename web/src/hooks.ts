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

/** One page of a paged listing, as the daemon answers `…&offset=…&limit=…`. */
export interface Page<T> {
  total: number;
  offset: number;
  entries: T[];
}

export interface Paged<T> {
  /** The listing these rows belong to (`base` once its first page is in). */
  base: string | undefined;
  /** Rows in the whole listing; undefined until the first page is in. */
  total: number | undefined;
  /** Row `i`, or undefined while its page is loading. */
  at: (i: number) => T | undefined;
  error: string | undefined;
  /** Asks for the pages holding rows `from`..`to` (the visible ones); each page is fetched once. */
  want: (from: number, to: number) => void;
}

/**
 * A listing read in pages of `size` rows: the first page at once (the first rows show fast), the others when `want`
 * asks for their rows (the part of a virtualised list that scrolls into view).
 */
export function usePages<T>(base: string, size: number): Paged<T> {
  const [state, setState] = useState<{ base?: string; total?: number; pages: Map<number, T[]> }>({
    pages: new Map(),
  });
  const [error, setError] = useState<{ base: string; message: string }>();
  const asked = useRef<{ base: string; pages: Set<number> }>({ base: '', pages: new Set() });
  const fetchPage = useCallback(
    (page: number): void => {
      if (asked.current.base !== base) asked.current = { base, pages: new Set() };
      if (asked.current.pages.has(page)) return;
      asked.current.pages.add(page);
      const sep = base.includes('?') ? '&' : '?';
      get<Page<T>>(`${base}${sep}offset=${page * size}&limit=${size}`).then(
        (p) => {
          setError(undefined);
          setState((s) => {
            if (asked.current.base !== base) return s;
            const pages = new Map(s.base === base ? s.pages : []);
            pages.set(page, p.entries);
            return { base, total: p.total, pages };
          });
        },
        (err: unknown) => {
          if (asked.current.base !== base) return;
          asked.current.pages.delete(page); // asked again when it scrolls into view again
          setError({ base, message: (err as Error).message });
        },
      );
    },
    [base, size],
  );
  useEffect(() => fetchPage(0), [fetchPage]);
  const mine = state.base === base;
  const want = useCallback(
    (from: number, to: number): void => {
      if (!mine) return;
      for (let p = Math.floor(from / size); p <= Math.floor(to / size); p++) fetchPage(p);
    },
    [mine, fetchPage, size],
  );
  return {
    base: mine ? base : undefined,
    total: mine ? state.total : undefined,
    at: (i) => (mine ? state.pages.get(Math.floor(i / size))?.[i % size] : undefined),
    error: error?.base === base ? error.message : undefined,
    want,
  };
}
