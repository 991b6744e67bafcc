// The browser's location as a Route: pushState navigation, the back button, and links that
// navigate without reloading (a modified click still opens a new tab).
import { useEffect, useState } from 'preact/hooks'
import { parseRoute, routePath, type Route } from './lib/routes.ts'

const listeners = new Set<() => void>()

export function navigate(to: Route | string, options: { replace?: boolean } = {}): void {
  const path = typeof to === 'string' ? to : routePath(to)
  if (path === location.pathname + location.search) return
  if (options.replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  for (const listener of listeners) listener()
  if (!options.replace) window.scrollTo(0, 0)
}

export function currentRoute(): Route {
  return parseRoute(location.pathname, location.search)
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute)
  useEffect(() => {
    const update = () => setRoute(currentRoute())
    listeners.add(update)
    window.addEventListener('popstate', update)
    return () => {
      listeners.delete(update)
      window.removeEventListener('popstate', update)
    }
  }, [])
  return route
}

/** A click on a console link: navigates in place unless the user asked for a new tab or window. */
export function onLinkClick(event: MouseEvent, href: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
  event.preventDefault()
  navigate(href)
}
