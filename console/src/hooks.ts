// Loading and polling through the API client, cancelled when the view goes away.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'

export interface Async<T> {
  data?: T
  error?: unknown
  loading: boolean
  reload(): void
  /** Replace the data in hand (after an action answered the new state). */
  set(data: T): void
}

/** Runs `load` when `deps` change (and on reload); its signal aborts when they change again. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true })
  const [round, setRound] = useState(0)
  useEffect(() => {
    const controller = new AbortController()
    setState((previous) => ({ data: previous.data, loading: true }))
    load(controller.signal).then(
      (data) => controller.signal.aborted || setState({ data, loading: false }),
      (error) => controller.signal.aborted || setState({ error, loading: false }),
    )
    return () => controller.abort()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round])
  const reload = useCallback(() => setRound((n) => n + 1), [])
  const set = useCallback((data: T) => setState({ data, loading: false }), [])
  return { ...state, reload, set }
}

/**
 * Reads `load` now, then again after `delay(result)` milliseconds (undefined: stops), while the
 * page is visible; a failed read is shown and tried again later.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, delay: (data: T) => number | undefined, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true })
  const [round, setRound] = useState(0)
  const delayRef = useRef(delay)
  delayRef.current = delay
  useEffect(() => {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    setState((previous) => ({ data: previous.data, loading: true }))
    const tick = async () => {
      if (stopped) return
      if (document.visibilityState === 'hidden') {
        document.addEventListener('visibilitychange', tick, { once: true })
        return
      }
      let next: number | undefined = 5000
      try {
        const data = await load(controller.signal)
        if (stopped) return
        setState({ data, loading: false })
        next = delayRef.current(data)
      } catch (error) {
        if (stopped) return
        setState((previous) => ({ data: previous.data, error, loading: false }))
      }
      if (next !== undefined && !stopped) timer = setTimeout(tick, next)
    }
    void tick()
    return () => {
      stopped = true
      controller.abort()
      clearTimeout(timer)
      document.removeEventListener('visibilitychange', tick)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round])
  const reload = useCallback(() => setRound((n) => n + 1), [])
  const set = useCallback((data: T) => setState({ data, loading: false }), [])
  return { ...state, reload, set }
}

/** The time now, renewed every `ms` (elapsed times, "ago"). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(timer)
  }, [ms])
  return now
}

/** Runs an action once at a time: its pending flag and its error, for a button and a message. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>): {
  run(...args: A): Promise<R | undefined>
  pending: boolean
  error?: unknown
  clear(): void
} {
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<unknown>()
  const run = async (...args: A) => {
    setPending(true)
    setError(undefined)
    try {
      return await action(...args)
    } catch (caught) {
      setError(caught)
      return undefined
    } finally {
      setPending(false)
    }
  }
  return { run, pending, error, clear: () => setError(undefined) }
}
