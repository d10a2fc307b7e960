// Matches a request path against the script's patterns. Static segments beat
// {param}, which beats {*rest}; when the best match lacks the method, other
// matching patterns are tried before answering 405 with their methods in Allow.
import type { RouteInfo } from './routes';

export type RouteMatch =
  | { kind: 'found'; route: number; params: string[] | undefined }
  | { kind: 'method'; allow: string; route: number } // route: one whose pattern matched the path
  | { kind: 'none' };

// Where a pattern ends: the route index for each of its methods.
type Terminal = Map<string, number>;

interface Node {
  statics: Map<string, Node>;
  param: Node | undefined;
  rest: Terminal | undefined;
  terminal: Terminal | undefined;
}

interface Search {
  method: string;
  segments: string[];
  params: string[];
  found: RouteMatch | undefined;
  allowed: Set<string> | undefined;
  matchedPath: number | undefined; // a route whose pattern matched, method aside
}

function newNode(): Node {
  return { statics: new Map(), param: undefined, rest: undefined, terminal: undefined };
}

const NOT_FOUND: RouteMatch = { kind: 'none' };

export class Router {
  private readonly root = newNode();
  // Whole-path lookups for patterns without parameters: the common case.
  private readonly exact = new Map<string, Terminal>();

  constructor(readonly routes: readonly RouteInfo[]) {
    routes.forEach((route, index) => this.add(route, index));
  }

  private add(route: RouteInfo, index: number): void {
    let node = this.root;
    for (const segment of route.path.slice(1).split('/')) {
      if (segment.startsWith('{*')) {
        node.rest = withMethods(node.rest, route, index);
        return;
      }
      if (segment.startsWith('{')) {
        node = node.param ??= newNode();
      } else {
        let next = node.statics.get(segment);
        if (!next) node.statics.set(segment, (next = newNode()));
        node = next;
      }
    }
    node.terminal = withMethods(node.terminal, route, index);
    if (route.params.length === 0) this.exact.set(route.path, node.terminal);
  }

  match(method: string, path: string): RouteMatch {
    const exact = this.exact.get(path);
    if (exact) {
      const route = exact.get(method);
      if (route !== undefined) return { kind: 'found', route, params: undefined };
    }
    const search: Search = { method, segments: path.slice(1).split('/'), params: [], found: undefined, allowed: undefined, matchedPath: undefined };
    visit(this.root, 0, search);
    if (search.found) return search.found;
    if (search.allowed) return { kind: 'method', allow: [...search.allowed].sort().join(', '), route: search.matchedPath ?? 0 };
    return NOT_FOUND;
  }
}

function withMethods(terminal: Terminal | undefined, route: RouteInfo, index: number): Terminal {
  const out = terminal ?? new Map<string, number>();
  for (const method of route.methods) out.set(method, index);
  return out;
}

// Depth-first in precedence order; true once a pattern accepted the method.
function visit(node: Node, depth: number, search: Search): boolean {
  const { segments, params } = search;
  if (depth === segments.length) {
    if (node.terminal && accept(node.terminal, search)) return true;
  } else {
    const segment = segments[depth];
    const next = node.statics.get(segment);
    if (next && visit(next, depth + 1, search)) return true;
    if (node.param && segment !== '') {
      params.push(segment);
      if (visit(node.param, depth + 1, search)) return true;
      params.pop();
    }
  }
  if (node.rest && depth < segments.length) {
    params.push(segments.slice(depth).join('/'));
    if (accept(node.rest, search)) return true;
    params.pop();
  }
  return false;
}

function accept(terminal: Terminal, search: Search): boolean {
  // A GET route answers HEAD too (the engines drop the body of any HEAD answer).
  let route = terminal.get(search.method);
  if (route === undefined && search.method === 'HEAD') route = terminal.get('GET');
  if (route !== undefined) {
    const params = search.params.length > 0 ? search.params.slice() : undefined;
    search.found = { kind: 'found', route, params };
    return true;
  }
  search.allowed ??= new Set();
  search.matchedPath ??= terminal.values().next().value;
  for (const method of terminal.keys()) {
    search.allowed.add(method);
    if (method === 'GET') search.allowed.add('HEAD');
  }
  return false;
}
