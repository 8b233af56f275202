// SPDX-License-Identifier: GPL-3.0-or-later
// @fal-ai/client 1.10.1 ships CommonJS only, which a browser cannot import
// (an import map maps ES modules). This loads it as Node would: modules
// fetched from the page's server (under /node_modules/), run in a function
// with require/module/exports, each once. Synchronous XHR, as require() is
// synchronous; fine for a test page.
(function () {
  'use strict';
  const cache = new Map();

  function get(path) {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', path, false);
    xhr.send();
    return xhr.status === 200 ? xhr.responseText : null;
  }

  function packageMain(dir) {
    const text = get(dir + '/package.json');
    if (text === null)
      return null;
    const pkg = JSON.parse(text);
    let main = pkg.main || 'index.js';
    const root = pkg.exports && (pkg.exports['.'] || pkg.exports);
    if (root && typeof root === 'object' && typeof root.require === 'string')
      main = root.require;
    return new URL(main, 'http://x' + dir + '/').pathname;
  }

  function resolve(from, name) {
    let base;
    if (name.startsWith('./') || name.startsWith('../'))
      base = new URL(name, 'http://x' + from).pathname;
    else {
      const main = packageMain('/node_modules/' + name);
      if (main === null)
        throw new Error('Cannot find module ' + name);
      base = main;
    }
    for (const candidate of [base, base + '.js', base + '.json', base + '/index.js']) {
      if (cache.has(candidate))
        return { path: candidate, text: null };
      const text = /\/[^/.]*$/.test(candidate) ? null : get(candidate);
      if (text !== null)
        return { path: candidate, text };
    }
    throw new Error('Cannot find module ' + name + ' from ' + from);
  }

  function load(path, text) {
    if (cache.has(path))
      return cache.get(path).exports;
    const module = { exports: {} };
    cache.set(path, module);
    if (path.endsWith('.json')) {
      module.exports = JSON.parse(text);
      return module.exports;
    }
    const require = (name) => {
      const found = resolve(path, name);
      return load(found.path, found.text);
    };
    const run = new Function('exports', 'require', 'module', '__filename', '__dirname',
                             text + '\n//# sourceURL=' + location.origin + path);
    run(module.exports, require, module, path, path.replace(/\/[^/]*$/, ''));
    return module.exports;
  }

  window.requireModule = function (name) {
    const found = resolve('/', name);
    return load(found.path, found.text);
  };
})();
