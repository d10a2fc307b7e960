// Recycles RequestRecords. The JS thread creates them and a worker frees
// them; with plain new/delete every request would free memory across threads,
// which contends on malloc's arena locks. Recycled records also keep their
// string and vector capacity, so most requests allocate nothing here.
#pragma once
#include <memory>

#include "request_record.h"

namespace siphon {

// JS thread.
std::unique_ptr<RequestRecord> AcquireRecord();

// Any thread. Drops the record's reference to its script generation, so call
// it where that may run Python destructors (with the GIL held).
void RecycleRecord(RequestRecord* record);

}  // namespace siphon
