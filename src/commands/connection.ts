// Which server a job command calls, and as whom. Each of the URL, client id and secret comes
// from its flag, else its environment variable (ZJOBS_URL, ZJOBS_CLIENT_ID,
// ZJOBS_CLIENT_SECRET), else the profile named by --profile or ZJOBS_PROFILE. Without a URL
// the command calls the zjobs server of the data folder (its locator file, else
// ZJOBS_PUBLIC_URL or localhost:$PORT), as the default client: ZJOBS_DEFAULT_CLIENT_ID and
// _SECRET when set, else a token minted in the database as `zjobs token` does.
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ZuoraClient, type TokenSource } from '../client/client.ts'
import { loadConfig, publicBaseUrl, type Config } from '../config.ts'
import { CliError, EXIT, usage } from './exit.ts'
import { readLocator } from './locator.ts'
import { version } from './version.ts'
import type { Output } from './output.ts'

export interface ConnectionFlags {
  url?: string
  clientId?: string
  clientSecret?: string
  profile?: string
  entityId?: string
}

export interface Profile {
  url?: string
  clientId?: string
  clientSecret?: string
  entityId?: string
}

/** Mints a token of the default tenant's admin user in the database (src/cli.ts, as `zjobs token`). */
export type LocalTokenMinter = () => Promise<string>

export interface Connection {
  client: ZuoraClient
  url: string
  /** Where the URL came from. */
  source: 'flag' | 'environment' | 'profile' | 'locator' | 'default'
}

export const profilesPath = (env: NodeJS.ProcessEnv = process.env) =>
  join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'zjobs', 'profiles.json')

export function readProfile(name: string, path = profilesPath()): Profile {
  let profiles: Record<string, Profile>
  try {
    profiles = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw usage(code === 'ENOENT' ? `profile ${name}: there is no profile file ${path}` : `cannot read the profile file ${path}: ${(error as Error).message}`)
  }
  const profile = profiles?.[name]
  if (!profile || typeof profile !== 'object') {
    throw usage(`no profile ${name} in ${path} (profiles: ${Object.keys(profiles ?? {}).join(', ') || 'none'})`)
  }
  for (const key of ['url', 'clientId', 'clientSecret', 'entityId'] as const) {
    if (profile[key] !== undefined && typeof profile[key] !== 'string') throw usage(`profile ${name} in ${path}: ${key} must be a string`)
  }
  return profile
}

export function connect(flags: ConnectionFlags, out: Output, mintLocal: LocalTokenMinter, config: Config = loadConfig()): Connection {
  const profileName = flags.profile ?? config.clientProfile
  const profile = profileName ? readProfile(profileName) : {}
  const pick = <K extends keyof Profile>(flag: string | undefined, env: string | undefined, key: K) =>
    flag ?? env ?? profile[key]
  let url = pick(flags.url, config.clientUrl, 'url')
  let source: Connection['source'] = flags.url ? 'flag' : config.clientUrl ? 'environment' : 'profile'
  let clientId = pick(flags.clientId, config.clientId, 'clientId')
  let clientSecret = pick(flags.clientSecret, config.clientSecret, 'clientSecret')
  const entityId = flags.entityId ?? profile.entityId
  let token: TokenSource | undefined

  if (url === undefined) {
    // The zjobs server of the data folder.
    const locator = readLocator(config.dataDir)
    url = locator?.url ?? publicBaseUrl(config)
    source = locator ? 'locator' : 'default'
    if (clientId === undefined && clientSecret === undefined) {
      clientId = config.defaultClientId
      clientSecret = config.defaultClientSecret
      if (clientId === undefined || clientSecret === undefined) {
        // Minting opens the data folder's database: only beside a server that runs on it.
        if (!locator) {
          throw new CliError(
            `no zjobs server is running on the data folder ${config.dataDir}: start one with \`zjobs start\`, or name a server with --url (and its credentials)`,
            EXIT.unavailable,
          )
        }
        clientId = clientSecret = undefined
        let minted: Promise<string> | undefined
        token = ({ renew }) => {
          if (renew || !minted) {
            minted = mintLocal()
            minted.catch(() => (minted = undefined))
          }
          return minted
        }
      }
    }
  } else if (!/^https?:\/\/[^/]/i.test(url)) {
    throw usage(`${url} is not an http(s) URL`)
  }
  if (!token && (clientId === undefined || clientSecret === undefined)) {
    const missing = clientId === undefined ? 'client id (--client-id or ZJOBS_CLIENT_ID)' : 'client secret (--client-secret or ZJOBS_CLIENT_SECRET)'
    throw usage(`calling ${url} needs OAuth client credentials: the ${missing} is missing`)
  }
  const client = new ZuoraClient({
    baseUrl: url,
    credentials: token ? undefined : { clientId: clientId!, clientSecret: clientSecret! },
    token,
    entityId,
    headers: { 'user-agent': `zjobs-cli/${version()}` },
    onRetry(notice) {
      const wait = `${(notice.delayMs / 1000).toFixed(1)} s`
      const because = notice.retryAfter ? ' (its Retry-After)' : ''
      out.note(`${notice.reason} from ${notice.method} ${notice.path}: retry ${notice.attempt} of ${notice.retries} in ${wait}${because}`)
    },
  })
  return { client, url, source }
}
