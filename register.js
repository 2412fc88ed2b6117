'use strict';

// rshttp/register: make `http` / `node:http` resolve to rshttp for the whole
// process, dependencies included.
//
//   node -r rshttp/register app.js
//   node --import rshttp/register app.mjs
//   NODE_OPTIONS="--require rshttp/register" node app.js   (children too)
//   require('rshttp/register')                           (from then on)
//
// How:
// - rshttp itself is loaded first, while `http` is still Node's: index.js
//   keeps references to Node's own http module.
// - CommonJS: Module._load answers rshttp's exports for 'http'/'node:http'.
// - ES modules: a resolve/load hook (esm.mjs, via module.register) maps
//   'http'/'node:http' to a generated module whose default export is rshttp's
//   exports object and whose named exports are its properties.
// - process.getBuiltinModule('http') answers rshttp too.
// Requests made from rshttp's own files (index.js, binding.js, lib/) still get
// Node's http. `https`, `http2`, `net` and the rest are untouched.
//
// RSHTTP_REGISTER_MODULE=/abs/path.js registers that module instead of the
// package's index.js (a stand-in for testing the hooks themselves).

const Module = require('module');
const path = require('path');
const { pathToFileURL } = require('url');

const STATE = Symbol.for('rshttp.register');

function install() {
  const root = __dirname;
  const target = process.env.RSHTTP_REGISTER_MODULE ?
    path.resolve(process.env.RSHTTP_REGISTER_MODULE) :
    path.join(root, 'index.js');

  // Load rshttp before any hook exists, so that its own require('node:http')
  // gets Node's module.
  const nodeHttp = require('http');
  const rshttp = require(target);

  // Files whose `http` must stay Node's.
  const exemptFiles = [target, path.join(root, 'index.js'), path.join(root, 'binding.js')];
  const exemptDirs = [path.join(root, 'lib') + path.sep];
  function exempt(filename) {
    if (typeof filename !== 'string') return false;
    if (exemptFiles.includes(filename)) return true;
    return exemptDirs.some((dir) => filename.startsWith(dir));
  }

  const isHttp = (id) => id === 'http' || id === 'node:http';

  // CommonJS.
  const originalLoad = Module._load;
  Module._load = function _load(request, parent, isMain) {
    if (isHttp(request) && !exempt(parent && parent.filename)) return rshttp;
    return Reflect.apply(originalLoad, this, arguments);
  };

  // process.getBuiltinModule (Node >= 20.16).
  if (typeof process.getBuiltinModule === 'function') {
    const originalGet = process.getBuiltinModule;
    process.getBuiltinModule = function getBuiltinModule(id) {
      if (isHttp(id)) return rshttp;
      return Reflect.apply(originalGet, this, arguments);
    };
  }

  // ES modules. Named exports: every name Node's http has, plus rshttp's own.
  if (typeof Module.register === 'function') {
    const names = [...new Set([...Object.keys(nodeHttp), ...Object.keys(rshttp)])]
      .filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
    Module.register(pathToFileURL(path.join(root, 'esm.mjs')).href, {
      data: {
        target,
        names,
        exemptFiles: exemptFiles.map((f) => pathToFileURL(f).href),
        exemptDirs: exemptDirs.map((d) => pathToFileURL(d).href),
      },
    });
  }

  return { target, exports: rshttp };
}

if (!globalThis[STATE]) {
  Object.defineProperty(globalThis, STATE, { value: install() });
}

module.exports = globalThis[STATE].exports;
