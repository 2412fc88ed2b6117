// Module customization hooks installed by register.js (module.register).
// 'http' and 'node:http' imported from ES modules resolve to a generated
// module re-exporting rshttp: the default export is rshttp's exports object
// (the very object `require('rshttp')` returns) and every name is a named
// export, as with Node's builtin.

const URL_PREFIX = 'rshttp-register:http';

let state = null;

export function initialize(data) {
  state = data;
}

function exempt(parentURL) {
  if (!parentURL) return false;
  const url = parentURL.split(/[?#]/)[0];
  return state.exemptFiles.includes(url) ||
    state.exemptDirs.some((dir) => url.startsWith(dir));
}

export async function resolve(specifier, context, nextResolve) {
  if (state && (specifier === 'http' || specifier === 'node:http') &&
      !exempt(context.parentURL)) {
    return { url: URL_PREFIX, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url === URL_PREFIX) {
    const target = JSON.stringify(state.target);
    const names = state.names;
    const source = [
      "import { createRequire } from 'node:module';",
      `const m = createRequire(${target})(${target});`,
      'export default m;',
      names.length ? `export const { ${names.join(', ')} } = m;` : '',
    ].join('\n');
    return { format: 'module', source, shortCircuit: true };
  }
  return nextLoad(url, context);
}
