export function AdminPage() { return <section><h1>AdminPage</h1></section> }
