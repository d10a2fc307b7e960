// The N-API surface JavaScript sees (typed in src/addon/addon.ts). Arguments are validated in
// TypeScript; this file only converts them, so it can stay strict and small.
#include <napi.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>

#include "host_calls.h"
#include "host_bridge.h"
#include "control_thread.h"
#include "worker_pool.h"
#include "host_log.h"
#include "host_messages.h"
#include "inline_runner.h"
#include "js_strings.h"
#include "js_uws.h"
#include "py_module.h"
#include "peer_address.h"
#include "py_ref.h"
#include "python_runtime.h"
#include "request_record_pool.h"
#include "script_generation.h"

namespace siphon {
namespace {

// The generation new requests run on. Only the JS thread reads or swaps it.
std::shared_ptr<ScriptGeneration> g_current;

int IntOption(const Napi::Object& options, const char* key, int fallback) {
  Napi::Value value = options.Get(key);
  return value.IsNumber() ? value.As<Napi::Number>().Int32Value() : fallback;
}

std::string StringOption(const Napi::Object& options, const char* key) {
  Napi::Value value = options.Get(key);
  return value.IsString() ? value.As<Napi::String>().Utf8Value() : std::string();
}

// start(options, deliver) -> {wire, bodies}: starts Python, the worker threads
// and the bridge; inline answers are written to the two arrays returned.
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options = info[0].As<Napi::Object>();
  Bridge().Start(env, info[1].As<Napi::Function>());
  BindUwsBinary(StringOption(options, "uwsBinary"));
  RuntimeOptions runtime;
  runtime.package_dir = StringOption(options, "packageDir");
  runtime.venv = StringOption(options, "venv");
  runtime.log_level = IntOption(options, "logLevel", 20);
  SetClientConfig(StringOption(options, "clientConfig"));
  std::string error = StartPython(runtime);
  if (!error.empty()) throw Napi::Error::New(env, error);
  PoolSettings pools;
  pools.sync_pool_size = IntOption(options, "syncPoolSize", pools.sync_pool_size);
  pools.sync_pool_max = IntOption(options, "syncPoolMax", pools.sync_pool_max);
  pools.async_pool_size = IntOption(options, "asyncPoolSize", pools.async_pool_size);
  pools.queue_capacity = IntOption(options, "queueCapacity", pools.queue_capacity);
  pools.sync_parallel = PythonIsFreeThreaded() ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) : 1;
  uv_loop_s* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  Workers().Start(pools, loop);
  Napi::Value arrays = Bridge().Arrays(env);
  const char* inline_setting = getenv("SIPHON_INLINE");
  SetInlineEnabled(!(inline_setting && std::string(inline_setting) == "0"));
  Control().Start();
  return arrays;
}

// loadScript(path) -> control id. The completion's payload is the route table
// as JSON; the generation waits for activate(id) or discard(id).
Napi::Value LoadScript(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  uint32_t id = Control().Post([path](ControlDoneMessage& done) {
    PyRef loader = PyRef::Steal(PyImport_ImportModule("siphon._loader"));
    PyRef loaded = loader ? PyRef::Steal(PyObject_CallMethod(loader.get(), "load", "s", path.c_str())) : PyRef();
    std::shared_ptr<ScriptGeneration> generation = loaded ? ScriptGeneration::FromLoaded(loaded.get()) : nullptr;
    PyRef described = generation ? PyRef::Steal(PyObject_CallMethod(loaded.get(), "describe", nullptr)) : PyRef();
    const char* json = described ? PyUnicode_AsUTF8(described.get()) : nullptr;
    if (!json) {
      done.ok = false;
      done.payload = TakeExceptionText();
      return;
    }
    done.payload = json;
    Control().Keep(done.control_id, std::move(generation));
  });
  return Napi::Number::New(info.Env(), id);
}

// activate(loadId): new requests run on that generation from now on. The
// previous one lives on in requests still running, and stays findable for its
// on_shutdown hooks until retire(id).
Napi::Value Activate(const Napi::CallbackInfo& info) {
  auto generation = Control().Find(info[0].As<Napi::Number>().Uint32Value());
  if (!generation) throw Napi::Error::New(info.Env(), "no loaded script with that id");
  g_current = std::move(generation);
  return info.Env().Undefined();
}

Napi::Value Retire(const Napi::CallbackInfo& info) {
  Control().Retire(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

// runHooks(kind, loadId) -> control id. loadId 0 means the serving generation.
Napi::Value RunHooks(const Napi::CallbackInfo& info) {
  std::string kind = info[0].As<Napi::String>().Utf8Value();
  uint32_t load_id = info[1].As<Napi::Number>().Uint32Value();
  std::shared_ptr<ScriptGeneration> generation = load_id ? Control().Find(load_id) : g_current;
  if (!generation) throw Napi::Error::New(info.Env(), "no loaded script to run hooks from");
  uint32_t id = Control().Post([kind, generation](ControlDoneMessage& done) {
    PyRef loader = PyRef::Steal(PyImport_ImportModule("siphon._loader"));
    PyRef ran = loader ? PyRef::Steal(PyObject_CallMethod(loader.get(), "run_hooks", "Os", generation->loaded,
                                                          kind.c_str()))
                       : PyRef();
    if (!ran) {
      done.ok = false;
      done.payload = TakeExceptionText();
    }
  });
  return Napi::Number::New(info.Env(), id);
}

// submit(id, route, method, path, query, headers, body, params, res, client)
//   -> true (queued), false (queue full: answer 503), or an inline answer
//      (HostBridge::AnswerInline: a message count, or strings + count)
// body: a Buffer, an ArrayBuffer (uWS's chunk, copied before it is neutered), or undefined.
// The hot path, as a raw N-API callback: Napi::CallbackInfo heap-allocates
// its argument array beyond six arguments, and this runs once per request.
napi_value Submit(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  // Missing arguments come back as undefined.
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  // headers: an array, or null / an external for a request read natively
  // (js_uws.h), whose method, path, query and headers are already copied.
  std::unique_ptr<RequestRecord> record;
  const bool read_natively = !IsJsArray(args[5]);
  if (read_natively) {
    record = TakeStagedRequest(env, args[5]);
    if (!record) {
      napi_throw_error(env, nullptr, "submit: no request read natively to submit");
      return nullptr;
    }
  } else {
    record = AcquireRecord();
  }
  record->script = g_current;
  napi_get_value_uint32(env, args[0], &record->id);
  napi_get_value_uint32(env, args[1], &record->route);
  if (!record->script || record->route >= record->script->routes.size()) {
    napi_throw_error(env, nullptr, "submit: route index out of range");
    return nullptr;
  }
  if (!read_natively) {
    ReadString(env, args[2], &record->method);
    ReadString(env, args[3], &record->path);
    ReadString(env, args[4], &record->query);
    ReadStringArray(env, args[5], &record->headers);
  }
  if (IsJsObject(args[6])) {
    void* data = nullptr;
    size_t length = 0;
    bool is_typed = false;
    napi_is_typedarray(env, args[6], &is_typed);
    if (is_typed) {
      napi_typedarray_type kind;
      napi_value buffer;
      size_t offset;
      napi_get_typedarray_info(env, args[6], &kind, &length, &data, &buffer, &offset);
    } else {
      // uWS's own chunk, straight from onData: copied once, here.
      napi_get_arraybuffer_info(env, args[6], &data, &length);
    }
    if (data) record->body.assign(static_cast<const char*>(data), length);
  }
  if (IsJsObject(args[7])) ReadStringArray(env, args[7], &record->params);
  if (IsJsObject(args[8])) ReadUwsPeer(env, args[8], &record->peer, /*defer=*/true);
  if (IsJsString(args[9])) ReadString(env, args[9], &record->client_override);
  napi_value accepted;
  if (napi_value answer = TryRunInline(Napi::Env(env), record)) return answer;
  record->peer.Resolve();  // a worker reads it later, when the socket may be gone
  napi_get_boolean(env, Workers().Submit(std::move(record)), &accepted);
  return accepted;
}

// hostCallDone(callId, status, values, body) / hostCallFailed(callId, kind, message):
// the outcome of a HostCallMessage (host_calls.h).
Napi::Value HostCallDone(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  HostCallOutcome outcome;
  napi_get_value_uint32(env, info[0], &outcome.call_id);
  outcome.status = info[1].As<Napi::Number>().Int32Value();
  ReadStringArray(env, info[2], &outcome.values);
  if (info[3].IsBuffer()) {
    auto body = info[3].As<Napi::Buffer<char>>();
    outcome.body.assign(body.Data(), body.Length());
  }
  DeliverHostCallOutcome(std::move(outcome));
  return info.Env().Undefined();
}

Napi::Value HostCallFailed(const Napi::CallbackInfo& info) {
  HostCallOutcome outcome;
  napi_get_value_uint32(info.Env(), info[0], &outcome.call_id);
  outcome.error_kind = info[1].As<Napi::String>().Utf8Value();
  outcome.message = info[2].As<Napi::String>().Utf8Value();
  DeliverHostCallOutcome(std::move(outcome));
  return info.Env().Undefined();
}

// The wire layout of host messages, for src/addon/host-messages.ts to check
// its mirror against at startup (and test/unit to check in CI).
Napi::Value HostMessageWireLayout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const HostMessageWire& wire : kHostMessageWire) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", wire.name);
    entry.Set("kind", static_cast<int32_t>(wire.kind));
    entry.Set("id", wire.id);
    entry.Set("number", wire.number);
    entry.Set("strings", wire.strings);
    entry.Set("body", wire.body);
    out.Set(i++, entry);
  }
  return out;
}

Napi::Value Cancel(const Napi::CallbackInfo& info) {
  Workers().Cancel(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WorkerStats stats = Workers().Stats();
  Napi::Object out = Napi::Object::New(env);
  out.Set("queued", static_cast<double>(stats.queued));
  out.Set("inflight", static_cast<double>(stats.inflight));
  out.Set("completed", static_cast<double>(stats.completed));
  out.Set("shed", static_cast<double>(stats.shed));
  out.Set("syncThreads", stats.sync_threads);
  out.Set("syncMax", stats.sync_max);
  out.Set("asyncLoops", stats.async_loops);
  out.Set("lastProgressAgeS", stats.last_progress_age_s);
  return out;
}

Napi::Value Stop(const Napi::CallbackInfo& info) {
  Workers().Stop();
  Bridge().Stop();
  return info.Env().Undefined();
}

Napi::Value SetKeepAlive(const Napi::CallbackInfo& info) {
  if (info[0].ToBoolean()) {
    Bridge().Ref(info.Env());
  } else {
    Bridge().Unref(info.Env());
  }
  return info.Env().Undefined();
}

Napi::Value Describe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("python", SIPHON_PYTHON_EXECUTABLE);
  out.Set("libpython", SIPHON_LIBPYTHON);
  out.Set("freeThreaded", PythonIsFreeThreaded());
  out.Set("started", PythonStarted());
  out.Set("pythonVersion", PythonVersion());  // a compiled-in string; safe before start
  return out;
}

}  // namespace
}  // namespace siphon

static Napi::Object InitSiphonAddon(Napi::Env env, Napi::Object exports) {
  using namespace siphon;
  exports.Set("start", Napi::Function::New(env, Start, "start"));
  exports.Set("loadScript", Napi::Function::New(env, LoadScript, "loadScript"));
  exports.Set("activate", Napi::Function::New(env, Activate, "activate"));
  exports.Set("retire", Napi::Function::New(env, Retire, "retire"));
  exports.Set("runHooks", Napi::Function::New(env, RunHooks, "runHooks"));
  napi_value submit;
  napi_create_function(env, "submit", NAPI_AUTO_LENGTH, Submit, nullptr, &submit);
  exports.Set("submit", Napi::Value(env, submit));
  napi_value read_request, staged_headers, keep_staged;
  napi_create_function(env, "readRequest", NAPI_AUTO_LENGTH, ReadUwsRequest, nullptr, &read_request);
  napi_create_function(env, "stagedHeaders", NAPI_AUTO_LENGTH, StagedHeaders, nullptr, &staged_headers);
  napi_create_function(env, "keepStaged", NAPI_AUTO_LENGTH, KeepStaged, nullptr, &keep_staged);
  exports.Set("readRequest", Napi::Value(env, read_request));
  exports.Set("stagedHeaders", Napi::Value(env, staged_headers));
  exports.Set("keepStaged", Napi::Value(env, keep_staged));
  exports.Set("peerAddress", Napi::Function::New(env, PeerAddressText, "peerAddress"));
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  exports.Set("cancel", Napi::Function::New(env, Cancel, "cancel"));
  exports.Set("hostCallDone", Napi::Function::New(env, HostCallDone, "hostCallDone"));
  exports.Set("hostCallFailed", Napi::Function::New(env, HostCallFailed, "hostCallFailed"));
  exports.Set("hostMessageWireLayout", Napi::Function::New(env, HostMessageWireLayout, "hostMessageWireLayout"));
  exports.Set("stop", Napi::Function::New(env, Stop, "stop"));
  exports.Set("setKeepAlive", Napi::Function::New(env, SetKeepAlive, "setKeepAlive"));
  exports.Set("describe", Napi::Function::New(env, Describe, "describe"));
  return exports;
}

NODE_API_MODULE(siphon_addon, InitSiphonAddon)
