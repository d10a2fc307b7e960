// `_siphon_native`, the built-in module through which python/siphon reaches
// the host: the native Request type and the host logger.
#pragma once
#include "py_ref.h"

namespace siphon {

PyObject* PyInitNativeModule();

}  // namespace siphon
