// Carries completions from worker threads back to the JS thread in batches:
// workers append under a mutex and wake the JS thread only when the batch was
// empty, so under load one wake-up (and one JS call) delivers many responses.
#pragma once
#include <napi.h>

#include <mutex>
#include <vector>

#include "records.h"

namespace siphon {

class CompletionBridge {
 public:
  // `deliver` is called on the JS thread with one array per batch:
  // [kind, id, status, headers|undefined, body, kind, id, ...].
  void Start(Napi::Env env, Napi::Function deliver);
  void Stop();

  // Any thread. Never blocks on the JS thread.
  void Push(Completion&& completion);

  // Keeps the Node event loop alive while Python work is outstanding.
  void Ref(Napi::Env env);
  void Unref(Napi::Env env);

 private:
  void Drain(Napi::Env env, Napi::Function deliver);

  std::mutex mutex_;
  std::vector<Completion> pending_;
  bool wake_scheduled_ = false;
  bool started_ = false;
  Napi::ThreadSafeFunction tsfn_;
};

CompletionBridge& Bridge();

}  // namespace siphon
