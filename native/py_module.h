// `siphon._native`, the built-in module through which python/siphon reaches
// the host: the native Request and Response types, the host logger, and
// calls to host services (host_calls.h). python/siphon/_native.pyi lists it.
#pragma once
#include "py_ref.h"

#include <string>

namespace siphon {

PyObject* PyInitNativeModule();

// The clients in http.yaml as JSON ({"name": {"base_url": ..., ...}}), for
// http.Client("name"). Set before Python starts.
void SetClientConfig(std::string json);

}  // namespace siphon
