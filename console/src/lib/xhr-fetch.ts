// fetch over XMLHttpRequest, for uploads: a browser's fetch reports no upload progress, XHR
// does. The API client takes it as its `fetch`, so an upload keeps the client's tokens,
// retries and error decoding, and the page shows how much of the file has gone.
export type UploadProgress = (sent: number, total: number) => void

export function xhrFetch(onProgress: UploadProgress): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const request = input instanceof Request ? input : undefined
      const url = request ? request.url : String(input)
      const xhr = new XMLHttpRequest()
      xhr.open(init.method ?? request?.method ?? 'GET', url)
      xhr.responseType = 'arraybuffer'
      new Headers(init.headers).forEach((value, name) => {
        // The browser sets these itself (and refuses them from a page).
        if (name !== 'content-length' && name !== 'accept-encoding') xhr.setRequestHeader(name, value)
      })
      xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : 0)
      xhr.onload = () => {
        const headers = new Headers()
        for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
          const colon = line.indexOf(':')
          if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
        }
        const empty = xhr.status === 204 || xhr.status === 304
        resolve(new Response(empty ? null : xhr.response, { status: xhr.status, statusText: xhr.statusText, headers }))
      }
      xhr.onerror = () => reject(new TypeError('network error'))
      xhr.ontimeout = () => reject(new TypeError('timeout'))
      const signal = init.signal
      if (signal) {
        if (signal.aborted) return reject(signal.reason)
        signal.addEventListener('abort', () => {
          xhr.abort()
          reject(signal.reason)
        })
      }
      xhr.send((init.body ?? null) as XMLHttpRequestBodyInit | null)
    })
}
