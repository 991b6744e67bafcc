export function BackfillPage() { return <section><h1>BackfillPage</h1></section> }
