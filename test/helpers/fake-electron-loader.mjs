// Module hook for tests: `import ... from 'electron'` resolves to the fake of fake-electron.ts, because
// the real package would try to download its binary (and there is none to run on the build machines).
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: new URL('./fake-electron.ts', import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
}
