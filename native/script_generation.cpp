#include "script_generation.h"

#include <atomic>
#include <mutex>

namespace siphon {
namespace {

std::mutex g_deferred_mutex;
std::vector<PyObject*> g_deferred;
std::atomic<bool> g_has_deferred{false};

void Release(PyObject* object) {
  if (!object) return;
  if (Py_IsInitialized() && PyGILState_Check()) {
    Py_DECREF(object);
  } else {
    DeferDecref(object);
  }
}

}  // namespace

void DeferDecref(PyObject* object) {
  std::lock_guard<std::mutex> lock(g_deferred_mutex);
  g_deferred.push_back(object);
  g_has_deferred.store(true, std::memory_order_release);
}

void DrainDeferredDecrefs() {
  if (!g_has_deferred.load(std::memory_order_acquire)) return;
  std::vector<PyObject*> batch;
  {
    std::lock_guard<std::mutex> lock(g_deferred_mutex);
    batch.swap(g_deferred);
    g_has_deferred.store(false, std::memory_order_release);
  }
  for (PyObject* object : batch) Py_DECREF(object);
}

std::shared_ptr<ScriptGeneration> ScriptGeneration::FromLoaded(PyObject* loaded) {
  std::shared_ptr<ScriptGeneration> generation(new ScriptGeneration());
  generation->loaded = PyRef::Borrow(loaded).release();
  PyRef routes = PyRef::Steal(PyObject_GetAttrString(loaded, "routes"));
  if (!routes) return nullptr;
  PyRef seq = PyRef::Steal(PySequence_Fast(routes.get(), "LoadedScript.routes must be a sequence"));
  if (!seq) return nullptr;
  Py_ssize_t count = PySequence_Fast_GET_SIZE(seq.get());
  generation->routes.resize(count);
  for (Py_ssize_t i = 0; i < count; i++) {
    PyObject* spec = PySequence_Fast_GET_ITEM(seq.get(), i);
    RouteHandler& handler = generation->routes[i];
    handler.callable = PyObject_GetAttrString(spec, "callable");
    PyRef is_async = PyRef::Steal(PyObject_GetAttrString(spec, "is_async"));
    PyRef name = PyRef::Steal(PyObject_GetAttrString(spec, "name"));
    PyRef params = PyRef::Steal(PyObject_GetAttrString(spec, "param_names"));
    if (!handler.callable || !is_async || !name || !params) return nullptr;
    handler.is_async = PyObject_IsTrue(is_async.get()) == 1;
    const char* utf8 = PyUnicode_AsUTF8(name.get());
    if (!utf8) return nullptr;
    handler.name = utf8;
    PyRef param_seq = PyRef::Steal(PySequence_Fast(params.get(), "param_names must be a sequence"));
    if (!param_seq) return nullptr;
    for (Py_ssize_t p = 0; p < PySequence_Fast_GET_SIZE(param_seq.get()); p++) {
      PyObject* param = PySequence_Fast_GET_ITEM(param_seq.get(), p);
      Py_INCREF(param);
      PyUnicode_InternInPlace(&param);
      handler.param_names.push_back(param);
    }
  }
  return generation;
}

ScriptGeneration::~ScriptGeneration() {
  for (RouteHandler& handler : routes) {
    Release(handler.callable);
    for (PyObject* param : handler.param_names) Release(param);
  }
  Release(loaded);
}

}  // namespace siphon
