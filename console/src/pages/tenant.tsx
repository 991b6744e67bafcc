export function TenantPage(_: { tenantId: string; tab: string }) { return <section><h1>TenantPage</h1></section> }
