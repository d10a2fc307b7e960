// Owning and GIL helpers shared by every file that touches CPython.
#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <utility>

// On a free-threaded build, iterating or lazily filling an object another
// thread may touch needs the object's critical section; with a GIL these
// expand to a plain block.
#ifdef Py_GIL_DISABLED
#define SIPHON_BEGIN_CRITICAL_SECTION(object) Py_BEGIN_CRITICAL_SECTION(object);
#define SIPHON_END_CRITICAL_SECTION() Py_END_CRITICAL_SECTION()
#else
#define SIPHON_BEGIN_CRITICAL_SECTION(object) {
#define SIPHON_END_CRITICAL_SECTION() }
#endif

namespace siphon {

// An owned PyObject reference. Only create, copy or destroy one while holding
// the GIL (or, on a free-threaded build, an attached thread state).
class PyRef {
 public:
  PyRef() = default;
  static PyRef Steal(PyObject* o) { PyRef r; r.obj_ = o; return r; }
  static PyRef Borrow(PyObject* o) { Py_XINCREF(o); return Steal(o); }
  PyRef(const PyRef& other) : obj_(other.obj_) { Py_XINCREF(obj_); }
  PyRef(PyRef&& other) noexcept : obj_(std::exchange(other.obj_, nullptr)) {}
  PyRef& operator=(PyRef other) noexcept { std::swap(obj_, other.obj_); return *this; }
  ~PyRef() { Py_XDECREF(obj_); }

  PyObject* get() const { return obj_; }
  PyObject* release() { return std::exchange(obj_, nullptr); }
  explicit operator bool() const { return obj_ != nullptr; }

 private:
  PyObject* obj_ = nullptr;
};

// Takes the GIL for a scope, registering the calling thread with Python if it
// has never run Python before. Used on threads that enter Python rarely.
class GilScope {
 public:
  GilScope() : state_(PyGILState_Ensure()) {}
  ~GilScope() { PyGILState_Release(state_); }
  GilScope(const GilScope&) = delete;
  GilScope& operator=(const GilScope&) = delete;

 private:
  PyGILState_STATE state_;
};

}  // namespace siphon
