// MonitorHeatmap: layer x time colors of a MonitorModel; see MonitorHeatmap.h.
#include "MonitorHeatmap.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace {

constexpr int kMargin = 4;
constexpr int kMaxLabelWidth = 160;

// Stops of a perceptually ordered map (dark blue, teal, green, yellow).
constexpr int kStops[][3] = {{40, 20, 90}, {40, 90, 140}, {30, 150, 130}, {120, 200, 70}, {250, 230, 40}};
constexpr int kStopCount = 5;

}  // namespace

MonitorHeatmap::MonitorHeatmap(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(60);
  setToolTip(tr("Rows: monitored arrays; columns: snapshots, oldest left. Click a row to select it."));
}

void MonitorHeatmap::setModel(MonitorModel* model) {
  if (m_model) disconnect(m_model, nullptr, this, nullptr);
  m_model = model;
  if (m_model) {
    const auto repaint = [this] { update(); };
    connect(m_model, &QAbstractItemModel::dataChanged, this, repaint);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, repaint);
    connect(m_model, &QAbstractItemModel::modelReset, this, repaint);
  }
  update();
}

void MonitorHeatmap::setMetric(MonitorModel::Column metric) {
  Q_ASSERT(metric == MonitorModel::RmsColumn || metric == MonitorModel::GradRmsColumn ||
           metric == MonitorModel::UpdateRatioColumn);
  m_metric = metric;
  update();
}

QColor MonitorHeatmap::colorAt(double t) {
  const double x = std::clamp(t, 0.0, 1.0) * (kStopCount - 1);
  const int i = std::min(static_cast<int>(x), kStopCount - 2);
  const double f = x - i;
  auto mix = [&](int c) {
    return static_cast<int>(std::lround(kStops[i][c] + f * (kStops[i + 1][c] - kStops[i][c])));
  };
  return QColor(mix(0), mix(1), mix(2));
}

QImage MonitorHeatmap::render(int maxColumns) const {
  m_logRange = {0.0, 0.0};
  const int rows = m_model ? m_model->rowCount() : 0;
  const int samples = m_model ? m_model->sampleCount() : 0;
  const int columns = std::min(samples, std::max(maxColumns, 1));
  if (rows == 0 || columns == 0) return {};
  // Per cell: the mean log10 of its snapshots' values; NaN: none; Inf: a NaN or Inf value.
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  constexpr double kBad = std::numeric_limits<double>::infinity();
  std::vector<double> cells(static_cast<size_t>(rows) * static_cast<size_t>(columns), kNone);
  double lo = kBad, hi = -kBad;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) {
      const int first = static_cast<int>(int64_t(c) * samples / columns);
      const int last = static_cast<int>(int64_t(c + 1) * samples / columns);
      double sum = 0;
      int count = 0;
      bool bad = false;
      for (int s = first; s < last; ++s) {
        const double v = m_model->historyValue(r, s, m_metric);
        if (!std::isfinite(v)) bad = true;
        if (!(v >= 0) || !std::isfinite(v)) continue;
        // log10 of an exact 0 would be -inf: clamp to far below any real value.
        sum += std::log10(std::max(v, 1e-30));
        ++count;
      }
      double& cell = cells[static_cast<size_t>(r) * static_cast<size_t>(columns) + static_cast<size_t>(c)];
      if (bad) {
        cell = kBad;
      } else if (count > 0) {
        cell = sum / count;
        lo = std::min(lo, cell);
        hi = std::max(hi, cell);
      }
    }
  }
  if (lo <= hi) m_logRange = {lo, hi};
  QImage image(columns, rows, QImage::Format_ARGB32);
  image.fill(Qt::transparent);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < columns; ++c) {
      const double cell =
          cells[static_cast<size_t>(r) * static_cast<size_t>(columns) + static_cast<size_t>(c)];
      if (std::isnan(cell)) continue;
      const QColor color =
          std::isinf(cell) ? nonFiniteColor() : colorAt(hi > lo ? (cell - lo) / (hi - lo) : 0.5);
      image.setPixelColor(c, r, color);
    }
  return image;
}

int MonitorHeatmap::labelWidth() const {
  if (!m_model) return 0;
  int width = 0;
  for (int r = 0; r < m_model->rowCount(); ++r)
    width = std::max(width, fontMetrics().horizontalAdvance(m_model->nameAt(r)));
  return std::min(width + kMargin, kMaxLabelWidth);
}

QRect MonitorHeatmap::plotRect() const {
  const int legend = fontMetrics().height() + kMargin;
  return QRect(labelWidth() + kMargin, kMargin, width() - labelWidth() - 2 * kMargin,
               height() - legend - 2 * kMargin);
}

void MonitorHeatmap::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  const QRect plot = plotRect();
  if (!m_model || m_model->rowCount() == 0 || m_model->sampleCount() == 0 || plot.width() <= 0 ||
      plot.height() <= 0) {
    painter.drawText(rect(), Qt::AlignCenter, tr("No monitor snapshots yet"));
    return;
  }
  const QImage image = render(plot.width());
  painter.drawImage(plot, image);  // nearest-neighbor: one cell stays one color
  const int rows = m_model->rowCount();
  const double rowHeight = double(plot.height()) / rows;
  {
    // Rows thinner than a line of text get every few a label, so names never overlap.
    const int every = std::max(1, static_cast<int>(std::ceil(fontMetrics().height() / rowHeight)));
    for (int r = 0; r < rows; r += every) {
      // A line high, centred on its row: a rect as thin as the row would cut the text.
      const int centre = plot.top() + static_cast<int>((r + 0.5) * rowHeight);
      const QRect label(kMargin, centre - fontMetrics().height() / 2, labelWidth() - kMargin,
                        fontMetrics().height());
      painter.drawText(label, Qt::AlignRight | Qt::AlignVCenter,
                       fontMetrics().elidedText(m_model->nameAt(r), Qt::ElideLeft, label.width()));
    }
  }
  const QString metric = m_model->headerData(m_metric, Qt::Horizontal).toString();
  const auto [lo, hi] = m_logRange;
  const QString legend = tr("%1, log scale %2 .. %3; steps %4 .. %5")
                             .arg(metric, QString::number(std::pow(10.0, lo), 'g', 3),
                                  QString::number(std::pow(10.0, hi), 'g', 3))
                             .arg(m_model->stepAt(0))
                             .arg(m_model->stepAt(m_model->sampleCount() - 1));
  painter.drawText(QRect(plot.left(), plot.bottom() + kMargin, plot.width(), fontMetrics().height()),
                   Qt::AlignLeft | Qt::AlignVCenter, legend);
}

void MonitorHeatmap::mousePressEvent(QMouseEvent* event) {
  const QRect plot = plotRect();
  if (!m_model || m_model->rowCount() == 0 || plot.height() <= 0) return;
  const int y = static_cast<int>(event->position().y()) - plot.top();
  if (y < 0 || y >= plot.height()) return;
  emit rowClicked(std::min(y * m_model->rowCount() / plot.height(), m_model->rowCount() - 1));
}
