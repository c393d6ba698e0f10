/** The path of a request URL (before `?` or `#`). */
export const pathOf = (url: string): string => {
  const end = url.search(/[?#]/u)
  return end === -1 ? url : url.slice(0, end)
}

/**
 * A path as FastAPI matches it: percent-decoded (uvicorn decodes it: `/auth/%72egister` is `/auth/register`, `%2F` a
 * `/`), a malformed escape kept as it is.
 */
export const decode = (path: string): string =>
  path.includes("%") ? decodeURIComponent(path.replace(/%(?![0-9A-Fa-f]{2})/gu, "%25")) : path

/**
 * A request URL the router matches as FastAPI would: the router reads `;` as the end of the path (find-my-way's
 * `;jsessionid`), where FastAPI sees an ordinary character, and leaves reserved escapes encoded. So a path with an
 * escape or a `;` is decoded and the characters the router reads specially are escaped again: a static route no
 * longer matches them, a path parameter still receives them.
 */
export const normalise = (url: string): string => {
  const path = pathOf(url)
  if (!path.includes("%") && !path.includes(";")) return url
  const escaped = decode(path).replace(/[%;?#]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return escaped + url.slice(path.length)
}
