// Small helpers for commander options, shared by the CLI's verbs (src/cli.ts, src/commands,
// the bench's command).

/** A repeatable option's values in order: `--entity A --entity B` gives ['A', 'B']. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]
