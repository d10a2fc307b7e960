// http.Client round trips. Python queues a call to the JS thread (which runs
// it on undici) and either waits on a condition variable with the GIL
// released (sync handlers) or gets the outcome through an "inbox": a queue
// plus an eventfd its asyncio loop watches, so the JS thread delivers results
// without ever taking the GIL.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "records.h"

namespace siphon {

struct ClientOutcome {
  uint32_t call_id = 0;
  int status = 0;                     // HTTP status; 0 = the call failed
  std::string error_kind;             // when failed: connect | timeout | tls | unknown_client | error
  std::string message;                // when failed: what happened, for the exception
  std::vector<std::string> headers;   // name0, value0, ... (lower-case names)
  std::string body;
};

struct ClientCallSpec {
  std::string client;                 // "name" or "#<inline id>"
  std::string method;
  std::string url;
  std::vector<std::string> headers;
  std::string body;
  int timeout_ms = 5000;
};

// An inbox for one asyncio loop. Returns its id and the fd to watch.
uint32_t OpenInbox(int* fd);
std::vector<ClientOutcome> TakeInbox(uint32_t inbox);

// Queues the call; its outcome lands in `inbox`. Any thread, no GIL needed.
uint32_t SendClientCall(ClientCallSpec&& spec, uint32_t inbox);

// Queues the call and waits for its outcome. Call without the GIL.
ClientOutcome CallClientBlocking(ClientCallSpec&& spec);

// JS thread: the outcome of a call.
void DeliverClientOutcome(ClientOutcome&& outcome);

// Inline clients (http.Client(base_url=...)): settings go to JS once.
uint32_t DefineInlineClient(std::string settings_json);
void CloseInlineClient(uint32_t id);

}  // namespace siphon
