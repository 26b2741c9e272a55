// MkDocs Material's search (9.x worker: src/.../integrations/search), run in Node on the npm
// `lunr` package: the same tokenizer (HTML-aware, Material's separator), pipeline and field
// boosts from the built search_index.json, query transform (every term a prefix), post-query
// boosts and grouping by page. Ported from the TypeScript in mkdocs-material's source map.
// Usage: node material_search.js search_index.json < queries.json > results.json
"use strict";
const fs = require("fs");
const lunr = require(process.env.LUNR_PATH || "lunr");

function split(input, separator, fn) {
  separator = new RegExp(separator, "g");
  let match;
  let index = 0;
  do {
    match = separator.exec(input);
    const until = match ? match.index : input.length;
    if (index < until) fn(index, until);
    if (match) {
      const [term] = match;
      index = match.index + term.length;
      if (term.length === 0) separator.lastIndex = match.index + 1;
    }
  } while (match);
}

function extract(input, fn) {
  let block = 0, start = 0, end = 0;
  for (let stack = 0; end < input.length; end++) {
    if (input.charAt(end) === "<" && end > start) {
      fn(block, 1, start, (start = end));
    } else if (input.charAt(end) === ">") {
      if (input.charAt(start + 1) === "/") {
        if (--stack === 0) fn(block++, 2, start, end + 1);
      } else if (input.charAt(end - 1) !== "/") {
        if (stack++ === 0) fn(block, 0, start, end + 1);
      }
      start = end + 1;
    }
  }
  if (end > start) fn(block, 1, start, end);
}

function tokenize(input) {
  const tokens = [];
  if (typeof input === "undefined") return tokens;
  const inputs = Array.isArray(input) ? input : [input];
  for (let i = 0; i < inputs.length; i++) {
    const table = lunr.tokenizer.table || [];
    const total = table.length;
    extract(inputs[i], (block, type, start, end) => {
      block += total;
      table[block] = table[block] || [];
      if (type === 1) {
        const section = inputs[i].slice(start, end);
        split(section, lunr.tokenizer.separator, (index, until) => {
          table[block].push(((start + index) << 12) | ((until - index) << 2) | type);
          tokens.push(new lunr.Token(section.slice(index, until).toLowerCase(), {
            position: (block << 20) | (table[block].length - 1),
          }));
        });
      } else {
        table[block].push((start << 12) | ((end - start) << 2) | type);
      }
    });
  }
  return tokens;
}

function transform(query, fn) {
  return query
    .trim()
    .split(/"([^"]+)"/g)
    .map((parts, index) => (index & 1 ? parts.replace(/^\b|^(?![^\x00-\x7F]|$)|\s+/g, " +") : parts))
    .join("")
    .replace(/"|(?:^|\s+)[*+\-:^~]+(?=\s+|$)/g, "")
    .split(/\s+/g)
    .reduce((prev, term) => {
      const next = fn(term);
      return [...prev, ...(Array.isArray(next) ? next : [next])];
    }, [])
    .map((term) => (/([~^]$)/.test(term) ? `${term}1` : term))
    .map((term) => (/(^[+-]|[~^]\d+$)/.test(term) ? term : `${term}*`))
    .join(" ");
}

function transformSearchQuery(query) {
  return transform(query, (part) => {
    const terms = [];
    const lexer = new lunr.QueryLexer(part);
    lexer.run();
    for (const { type, str: term, start, end } of lexer.lexemes) {
      if (type === "FIELD") {
        if (!["title", "text", "tags"].includes(term))
          part = [part.slice(0, end), " ", part.slice(end + 1)].join("");
      } else if (type === "TERM") {
        split(term, lunr.tokenizer.separator, (...range) => {
          terms.push([part.slice(0, start), term.slice(...range), part.slice(end)].join(""));
        });
      }
    }
    return terms;
  });
}

function parseSearchQuery(value) {
  const query = new lunr.Query(["title", "text", "tags"]);
  new lunr.QueryParser(value, query).parse();
  for (const clause of query.clauses) {
    clause.usePipeline = true;
    if (clause.term.startsWith("*")) { clause.wildcard = lunr.Query.wildcard.LEADING; clause.term = clause.term.slice(1); }
    if (clause.term.endsWith("*")) { clause.wildcard = lunr.Query.wildcard.TRAILING; clause.term = clause.term.slice(0, -1); }
  }
  return query.clauses;
}

function getSearchQueryTerms(query, terms) {
  const clauses = new Set(query);
  const result = {};
  for (let t = 0; t < terms.length; t++)
    for (const clause of clauses)
      if (terms[t].startsWith(clause.term)) { result[clause.term] = true; clauses.delete(clause); }
  for (const clause of clauses) if (lunr.stopWordFilter(clause.term)) result[clause.term] = false;
  return result;
}

function setupSearchDocumentMap(docs) {
  const map = new Map();
  for (const doc of docs) {
    const [path] = doc.location.split("#");
    const article = map.get(path);
    if (typeof article === "undefined") map.set(path, doc);
    else { map.set(doc.location, doc); doc.parent = article; }
  }
  return map;
}

function build({ config, docs }) {
  const table = new Map();
  const field = (name) => (doc) => {
    if (typeof doc[name] === "undefined") return undefined;
    table.set([doc.location, name].join(":"), (lunr.tokenizer.table = []));
    return doc[name];
  };
  const map = setupSearchDocumentMap(docs);
  const index = lunr(function () {
    this.metadataWhitelist = ["position"];
    this.b(0);
    this.tokenizer = tokenize;
    lunr.tokenizer.separator = new RegExp(config.separator);
    const fns = ["trimmer", "stopWordFilter", "stemmer"].filter((f) => !config.pipeline.includes(f));
    for (const fn of fns) { this.pipeline.remove(lunr[fn]); this.searchPipeline.remove(lunr[fn]); }
    this.ref("location");
    for (const [name, spec] of Object.entries(config.fields)) this.field(name, { ...spec, extractor: field(name) });
    for (const doc of docs) this.add(doc, { boost: doc.boost });
  });
  return { index, map };
}

function search({ index, map }, raw) {
  const query = transformSearchQuery(raw);
  if (!query) return [];
  const clauses = parseSearchQuery(query).filter((c) => c.presence !== lunr.Query.presence.PROHIBITED);
  let found;
  try { found = index.search(query); } catch (error) { return []; }
  const items = found.reduce((item, { ref, score, matchData }) => {
    const doc = map.get(ref);
    if (typeof doc !== "undefined") {
      const terms = getSearchQueryTerms(clauses, Object.keys(matchData.metadata));
      const boost = +!doc.parent + Object.values(terms).filter((t) => t).length / Object.keys(terms).length;
      item.push({ location: doc.location, title: doc.title, score: score * (1 + boost ** 2) });
    }
    return item;
  }, []).sort((a, b) => b.score - a.score);
  const groups = new Map();
  for (const result of items) {
    const doc = map.get(result.location);
    const ref = doc.parent ? doc.parent.location : doc.location;
    groups.set(ref, [...(groups.get(ref) || []), result]);
  }
  // As the result list renders a group: the page first, then its sections by score.
  const flat = [];
  for (const [ref, group] of groups) {
    const page = map.get(ref);
    flat.push({ location: page.location, title: page.title });
    for (const r of group) if (r.location !== ref) flat.push({ location: r.location, title: r.title });
  }
  return flat;
}

const data = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
const engine = build(data);
const out = {};
for (const q of queries) {
  const started = process.hrtime.bigint();
  const results = search(engine, q);
  out[q] = { results: results.slice(0, 10), ms: Number(process.hrtime.bigint() - started) / 1e6 };
}
process.stdout.write(JSON.stringify(out));
