// Runs an `async def` handler's first step on the JS thread itself, when
// every worker is idle: one call, no thread hop, no wake-up, no batch. Most
// handlers finish in that step and their answer is written before Submit
// returns. One that suspends goes on as a Task on asyncio loop 0, which the
// JS thread uses as its running loop. While any request is queued or running
// elsewhere, requests take the worker path instead, so the JS thread never
// waits for a GIL held by a busy `def` handler (docs/execution-model.md).
#pragma once
#include <napi.h>

#include <memory>

#include "request_record.h"

namespace siphon {

// JS thread, GIL not held. Null when the request must take the worker path;
// else Submit's return value (HostBridge::AnswerInline): what the step
// produced for JS, its answer included unless the handler suspended.
napi_value TryRunInline(Napi::Env env, std::unique_ptr<RequestRecord>& record);

// SIPHON_INLINE=0 turns inline first steps off (for comparisons).
void SetInlineEnabled(bool enabled);

}  // namespace siphon
