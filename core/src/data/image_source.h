// What the image iterator reads from: numbered samples that decode to an image
// and a label. Shared by the RecordIO, CIFAR-10 and image folder sources.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fitbench/image_codec.h"
#include "fitbench/image_iter.h"

namespace fitbench {

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual int64_t size() const = 0;
  // The file or directory, for messages.
  virtual std::string name() const = 0;
  // Names sample i for messages ("record 12 at byte offset 3400 of a.rec").
  virtual std::string describe(int64_t i) const = 0;
  // Decodes sample i with `channels` (1 or 3), refusing images of more than
  // `max_pixels`. Called from several threads at once. Throws
  // ImageDecodeError for a bad image, Error for a bad source.
  virtual Image load(int64_t i, int channels, int64_t max_pixels, float& label) const = 0;
  // Whether load() decodes (a PNG, a JPEG) rather than copies pixels already
  // in memory: only then is keeping its result for later epochs worth memory.
  virtual bool decodes() const { return true; }
};

std::unique_ptr<DataIter> make_image_iter(std::shared_ptr<const ImageSource> source, const ImageIterOptions& options);

}  // namespace fitbench
