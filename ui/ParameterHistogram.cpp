// ParameterHistogram: bars of a MonitorStat's histogram; see ParameterHistogram.h.
#include "ParameterHistogram.h"

#include <QPainter>

#include <algorithm>

namespace {
constexpr int kMargin = 6;
}  // namespace

ParameterHistogram::ParameterHistogram(QWidget* parent) : QWidget(parent) {
  setMinimumSize(120, 80);
  clear(tr("Select a row to see its histogram"));
}

void ParameterHistogram::setStat(const fitbench::MonitorStat& stat, const QString& title) {
  m_counts = stat.histogram;
  m_min = stat.min;
  m_max = stat.max;
  m_finite = stat.finite;
  m_title = title;
  setToolTip(heading());  // whole, where the line elides it
  update();
}

void ParameterHistogram::clear(const QString& message) {
  m_counts.clear();
  m_min = m_max = 0.0;
  m_finite = true;
  m_title = message;
  setToolTip({});
  update();
}

QString ParameterHistogram::heading() const {
  return m_finite ? m_title : m_title + tr(" (holds NaN/Inf, left out)");
}

QRectF ParameterHistogram::plotRect() const {
  const int line = fontMetrics().height();
  return QRectF(kMargin, kMargin + line, width() - 2 * kMargin, height() - 2 * kMargin - 2 * line);
}

QRectF ParameterHistogram::barRect(int bin) const {
  const QRectF plot = plotRect();
  const int64_t tallest = m_counts.empty() ? 0 : *std::max_element(m_counts.begin(), m_counts.end());
  if (bin < 0 || bin >= static_cast<int>(m_counts.size()) || tallest == 0) return {};
  const double w = plot.width() / double(m_counts.size());
  const double h = plot.height() * double(m_counts[static_cast<size_t>(bin)]) / double(tallest);
  return QRectF(plot.left() + bin * w, plot.bottom() - h, w, h);
}

void ParameterHistogram::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  const int line = fontMetrics().height();
  // A message alone is wrapped, whole; a heading over bars keeps to its line.
  if (m_counts.empty()) {
    painter.drawText(rect().adjusted(kMargin, kMargin, -kMargin, -kMargin),
                     Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, heading());
    return;
  }
  painter.drawText(QRect(kMargin, kMargin, width() - 2 * kMargin, line), Qt::AlignLeft | Qt::AlignVCenter,
                   fontMetrics().elidedText(heading(), Qt::ElideRight, width() - 2 * kMargin));
  const QColor bar = palette().highlight().color();
  for (int b = 0; b < static_cast<int>(m_counts.size()); ++b) {
    const QRectF r = barRect(b);
    if (!r.isEmpty()) painter.fillRect(r.adjusted(0, 0, -std::min(1.0, r.width() / 4), 0), bar);
  }
  const QRectF plot = plotRect();
  painter.setPen(palette().text().color());
  painter.drawLine(plot.bottomLeft(), plot.bottomRight());
  const QRectF labels(plot.left(), plot.bottom() + 2, plot.width(), line);
  const QString low = QString::number(m_min, 'g', 4), high = QString::number(m_max, 'g', 4);
  painter.drawText(labels, Qt::AlignLeft | Qt::AlignVCenter, low);
  painter.drawText(labels, Qt::AlignRight | Qt::AlignVCenter, high);
  const int64_t tallest = *std::max_element(m_counts.begin(), m_counts.end());
  const QString middle = tr("tallest bin: %1").arg(tallest);
  // Left out where it would run into the range's ends.
  const int end = std::max(fontMetrics().horizontalAdvance(low), fontMetrics().horizontalAdvance(high));
  if (fontMetrics().horizontalAdvance(middle) / 2 + end + kMargin <= labels.width() / 2)
    painter.drawText(labels, Qt::AlignHCenter | Qt::AlignVCenter, middle);
}
