// Carries completions from worker threads back to the JS thread in batches.
// A worker running several requests in one go (an asyncio loop's drain)
// collects its completions and hands them over under one lock; the JS thread
// is woken only when the shared batch was empty. JS then receives the whole
// batch in one call, as a few flat arrays rather than an object per response.
#pragma once
#include <napi.h>

#include <mutex>
#include <vector>

#include "records.h"

namespace siphon {

class CompletionBridge {
 public:
  // `deliver(count, meta, bodies, strings)` is called on the JS thread per batch:
  //   count: completions in this batch;
  //   meta: Int32Array, 6 per completion: kind, id, status, string count,
  //         body offset, body length (offset -1: the body is the last string);
  //   bodies: a Buffer holding every binary body back to back;
  //   strings: headers (and text bodies) in completion order, or undefined.
  // `meta` and `bodies` are the same two objects every time (grown when a
  // batch needs more): allocating them per batch made V8 collect garbage
  // constantly under load. So JS must copy what it keeps beyond the call.
  void Start(Napi::Env env, Napi::Function deliver);
  void Stop();

  // Any thread. Never blocks on the JS thread. Inside a BatchScope on this
  // thread the completion waits for the scope's end.
  void Push(Completion&& completion);

  // Keeps the Node event loop alive while Python work is outstanding.
  void Ref(Napi::Env env);
  void Unref(Napi::Env env);

  // Collects the calling thread's completions until the scope ends.
  class BatchScope {
   public:
    BatchScope();
    ~BatchScope();
    BatchScope(const BatchScope&) = delete;
    BatchScope& operator=(const BatchScope&) = delete;

   private:
    std::vector<Completion> collected_;
    std::vector<Completion>* previous_;
  };

 private:
  void PushAll(std::vector<Completion>& completions);
  void Drain(Napi::Env env, Napi::Function deliver);

  std::mutex mutex_;
  std::vector<Completion> pending_;
  bool wake_scheduled_ = false;
  bool started_ = false;
  Napi::ThreadSafeFunction tsfn_;
  // JS thread only: the reused arrays handed to deliver.
  Napi::Reference<Napi::Int32Array> meta_;
  Napi::Reference<Napi::Buffer<char>> bodies_;
  size_t meta_capacity_ = 0;
  size_t bodies_capacity_ = 0;
};

CompletionBridge& Bridge();

}  // namespace siphon
