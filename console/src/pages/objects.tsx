export function ObjectsPage(_: { object?: string }) { return <section><h1>ObjectsPage</h1></section> }
