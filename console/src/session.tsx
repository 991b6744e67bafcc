// The signed-in session every page reads: the clients, what the user may do, and sign-out.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { ZuoraClient, type ClientOptions } from '../../src/client/client.ts'
import type { Capabilities } from './lib/capabilities.ts'
import type { SignIn } from './lib/session.ts'
import { xhrFetch, type UploadProgress } from './lib/xhr-fetch.ts'

export interface Session {
  signIn: SignIn
  /** The tenant's public API as the signed-in user; none until an admin picks a tenant. */
  api?: ZuoraClient
  admin?: ZuoraClient
  apiOptions?: ClientOptions
  /** What the API lets the user do; undefined while it is being asked. */
  capabilities?: Capabilities
  change(signIn: SignIn | undefined): void
}

export const SessionContext = createContext<Session | undefined>(undefined)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) throw new Error('no session')
  return session
}

/** A client of the same API and user whose requests go through XHR, reporting the upload's progress. */
export function uploadClient(session: Session, onProgress: UploadProgress): ZuoraClient {
  const api = session.api!
  return new ZuoraClient({
    ...session.apiOptions!,
    credentials: undefined,
    initialToken: undefined,
    onToken: undefined,
    token: ({ renew }) => api.token(renew),
    fetch: xhrFetch(onProgress),
    // An upload is not sent twice behind the user's back.
    retry: { retries: 0 },
  })
}
