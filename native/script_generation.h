// One loaded version of the user's script: the handler table the JS router
// indexes into. A reload builds a new generation; requests already running keep
// theirs alive through RequestRecord::script until they finish.
#pragma once
#include "py_ref.h"

#include <memory>
#include <string>
#include <vector>

namespace siphon {

struct RouteHandler {
  PyObject* callable = nullptr;           // owned; middleware chain already composed
  bool is_async = false;                  // runs on an asyncio loop thread
  std::string name;                       // "module.function", for logs
  std::vector<PyObject*> param_names;     // owned interned str, pattern order
};

class ScriptGeneration {
 public:
  // Reads a siphon._loader.LoadedScript. GIL held. Null with a Python error set.
  static std::shared_ptr<ScriptGeneration> FromLoaded(PyObject* loaded);
  ~ScriptGeneration();

  ScriptGeneration(const ScriptGeneration&) = delete;
  ScriptGeneration& operator=(const ScriptGeneration&) = delete;

  std::vector<RouteHandler> routes;
  PyObject* loaded = nullptr;  // owned; hooks live here

 private:
  ScriptGeneration() = default;
};

// Python references dropped on a thread without the GIL (the JS thread) are
// parked here and released by the next worker that holds it.
void DeferDecref(PyObject* object);
void DrainDeferredDecrefs();  // GIL held

}  // namespace siphon
