// Preloaded into a process (`node --import` or NODE_OPTIONS) to record every module it loads,
// ES modules and CommonJS alike: at exit it writes their URLs, one a line, to the file named
// by ZJOBS_TEST_LOADED_MODULES. Tests use it to prove what a command does not load.
import { writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'

const out = process.env.ZJOBS_TEST_LOADED_MODULES
if (out) {
  const urls: string[] = []
  registerHooks({
    load(url, context, next) {
      urls.push(url)
      return next(url, context)
    },
  })
  process.on('exit', () => writeFileSync(out, `${urls.join('\n')}\n`))
}
