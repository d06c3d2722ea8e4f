// RecordIO (.rec) files: RecordReader's scan and reads, and the image record
// header of each record (what ImageRecordIter and fitbench-im2rec read).
#include "fitbench/error.h"
#include "fitbench/recordio.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fitbench;
  const std::string path = fuzz::write_input("fuzz.rec", fuzz::as_view(data, size));
  try {
    RecordReader reader(path);
    std::string record;
    for (uint64_t offset : reader.scan()) {
      reader.read_at(offset, record);
      std::string_view encoded;
      try {
        unpack_image_record(record, encoded, path);
      } catch (const Error&) {
      }
    }
  } catch (const Error&) {
  }
  return 0;
}
