// The route table a loaded script describes (siphon._loader.LoadedScript.describe).
export interface RouteInfo {
  path: string;
  methods: string[];
  name: string;
  kind: 'async' | 'sync';
  params: string[];
}

export interface ScriptDescription {
  routes: RouteInfo[];
  middleware: string[];
  startup: string[];
  shutdown: string[];
}
