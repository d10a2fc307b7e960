// `_siphon_native`, the built-in module through which python/siphon reaches
// the host: the native Request type and the host logger.
#pragma once
#include "py_ref.h"

#include <string>

namespace siphon {

PyObject* PyInitNativeModule();

// The clients in http.yaml as JSON ({"name": {"base_url": ..., ...}}), for
// http.Client("name"). Set before Python starts.
void SetClientConfig(std::string json);

}  // namespace siphon
