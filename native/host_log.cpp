#include "host_log.h"

#include <atomic>

#include "host_bridge.h"

namespace siphon {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
}

void SetHostLogLevel(int level) { g_level.store(level); }
int HostLogLevel() { return g_level.load(std::memory_order_relaxed); }

void LogToHost(LogLevel level, const std::string& target, const std::string& message) {
  if (static_cast<int>(level) < HostLogLevel()) return;
  Bridge().Push(LogMessage{static_cast<int>(level), target, message});
}

std::string TakeExceptionText() {
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  if (!type) return "unknown error (no Python exception set)";
  PyErr_NormalizeException(&type, &value, &traceback);
  if (traceback && value) PyException_SetTraceback(value, traceback);
  PyRef type_ref = PyRef::Steal(type), value_ref = PyRef::Steal(value), tb_ref = PyRef::Steal(traceback);

  PyRef module = PyRef::Steal(PyImport_ImportModule("traceback"));
  PyRef lines;
  if (module) {
    lines = PyRef::Steal(PyObject_CallMethod(module.get(), "format_exception", "OOO", type,
                                             value ? value : Py_None, traceback ? traceback : Py_None));
  }
  PyRef empty = PyRef::Steal(PyUnicode_FromStringAndSize("", 0));
  PyRef joined = lines && empty ? PyRef::Steal(PyUnicode_Join(empty.get(), lines.get())) : PyRef();
  const char* utf8 = joined ? PyUnicode_AsUTF8(joined.get()) : nullptr;
  if (utf8) {
    std::string text(utf8);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }
  PyErr_Clear();
  // Formatting failed (e.g. a broken __str__): fall back to the type name.
  return std::string(reinterpret_cast<PyTypeObject*>(type)->tp_name) + " (traceback unavailable)";
}

}  // namespace siphon
