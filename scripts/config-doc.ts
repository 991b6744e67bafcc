// Prints the README's configuration table from src/config.ts (the README test keeps them equal).
import { settings } from '../src/config.ts'

export function configTable(): string {
  const rows = Object.values(settings).map(
    (s) => `| \`${s.env}\` | ${s.default === '' ? '(unset)' : `\`${s.default}\``} | ${s.description} |`,
  )
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n')
}

if (import.meta.main) console.log(configTable())
