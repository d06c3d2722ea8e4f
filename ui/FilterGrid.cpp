// FilterGrid: convolution filters as gray tiles; see FilterGrid.h.
#include "FilterGrid.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace {
constexpr int kMargin = 6;
constexpr int kGap = 1;        // between the channels of a filter
constexpr int kFilterGap = 3;  // between filters side by side
}  // namespace

FilterGrid::FilterGrid(QWidget* parent) : QWidget(parent) {
  setMinimumSize(80, 80);
  clear(tr("Select a convolution weight to see its filters"));
}

bool FilterGrid::setStat(const fitbench::MonitorStat& stat) {
  const auto& shape = stat.values_shape;
  if (shape.size() != 4 || stat.values.empty()) {
    clear(tr("%1 has no filters to show (only 4-D convolution weights do)")
              .arg(QString::fromStdString(stat.name)));
    return false;
  }
  const int filters = static_cast<int>(shape[0]), channels = static_cast<int>(shape[1]);
  const int kh = static_cast<int>(shape[2]), kw = static_cast<int>(shape[3]);
  Q_ASSERT(stat.values.size() == static_cast<size_t>(filters) * channels * kh * kw);
  // A filter is a row of its channels' tiles; filters wrap into as many
  // columns as make the whole grid roughly square.
  const int filterWidth = channels * (kw + kGap) - kGap + kFilterGap, filterHeight = kh + kGap;
  const int columns = std::clamp(
      static_cast<int>(std::lround(std::sqrt(double(filters) * filterHeight / filterWidth))), 1, filters);
  const int rows = (filters + columns - 1) / columns;
  m_image = QImage(columns * filterWidth - kFilterGap, rows * filterHeight - kGap, QImage::Format_RGB32);
  m_image.fill(QColor(90, 60, 60));
  const size_t filterSize = static_cast<size_t>(channels) * kh * kw;
  for (int f = 0; f < filters; ++f) {
    const float* w = stat.values.data() + f * filterSize;
    const int left = (f % columns) * filterWidth, top = (f / columns) * filterHeight;
    float scale = 0;
    for (size_t i = 0; i < filterSize; ++i)
      if (std::isfinite(w[i])) scale = std::max(scale, std::abs(w[i]));
    for (int c = 0; c < channels; ++c)
      for (int y = 0; y < kh; ++y)
        for (int x = 0; x < kw; ++x) {
          const float v = w[(static_cast<size_t>(c) * kh + y) * kw + x];
          // NaN / Inf show red: they are what the monitor is looking for.
          const int gray =
              scale > 0 && std::isfinite(v) ? static_cast<int>(std::lround(127.5 + 127.5 * v / scale)) : 128;
          m_image.setPixelColor(left + c * (kw + kGap) + x, top + y,
                                std::isfinite(v) ? QColor(gray, gray, gray) : QColor(255, 0, 0));
        }
  }
  m_caption = tr("%1: %2 filters x %3 channels, %4x%5")
                  .arg(QString::fromStdString(stat.name))
                  .arg(filters)
                  .arg(channels)
                  .arg(kh)
                  .arg(kw);
  if (filters == fitbench::kMonitorMaxFilters || channels == fitbench::kMonitorMaxChannels)
    m_caption += tr(" (the first ones; the monitor copies at most %1 x %2)")
                     .arg(fitbench::kMonitorMaxFilters)
                     .arg(fitbench::kMonitorMaxChannels);
  update();
  return true;
}

void FilterGrid::clear(const QString& message) {
  m_image = QImage();
  m_caption = message;
  update();
}

void FilterGrid::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  const int line = fontMetrics().height();
  // A message alone is wrapped, whole; a caption over filters keeps to its line.
  if (m_image.isNull()) {
    painter.drawText(rect().adjusted(kMargin, kMargin, -kMargin, -kMargin),
                     Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, m_caption);
    return;
  }
  painter.drawText(QRect(kMargin, kMargin, width() - 2 * kMargin, line), Qt::AlignLeft | Qt::AlignVCenter,
                   fontMetrics().elidedText(m_caption, Qt::ElideRight, width() - 2 * kMargin));
  const QRect area(kMargin, kMargin + line + kMargin, width() - 2 * kMargin, height() - 3 * kMargin - line);
  if (area.width() <= 0 || area.height() <= 0) return;
  // Whole-number zoom keeps every weight a crisp square.
  const int zoom = std::max(1, std::min(area.width() / m_image.width(), area.height() / m_image.height()));
  const QSize size = m_image.size() * zoom;
  const QSize shown = size.boundedTo(area.size());
  painter.drawImage(QRect(area.topLeft(), shown), m_image.scaled(size).copy(QRect(QPoint(0, 0), shown)));
}
