#include "MetricChart.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QFileDialog>
#include <QGraphicsLayout>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPainter>
#include <QRegularExpression>
#include <QScatterSeries>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ChartLegend.h"
#include "SeriesStore.h"

namespace {

// Tableau 10: distinct on screen and in print.
QColor seriesColor(int index) {
  static const QRgb palette[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                 0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
  return QColor(palette[index % static_cast<int>(std::size(palette))]);
}

QString formatValue(double v) { return QString::number(v, 'g', 5); }

// The range of the value axis, linear or logarithmic.
std::pair<double, double> valueRange(const QAbstractAxis* axis) {
  if (const auto* log = qobject_cast<const QLogValueAxis*>(axis)) return {log->min(), log->max()};
  const auto* linear = qobject_cast<const QValueAxis*>(axis);
  return {linear->min(), linear->max()};
}

// Below this height the axis titles give their room to the plot: the chart's
// title names the value, and the x axis is the same on every chart.
constexpr int kAxisTitlesMinHeight = 200;
// A click this near a line, in pixels, is a click on it.
constexpr double kClickReachPx = 5.0;

double distanceToSegment(QPointF p, QPointF a, QPointF b) {
  const QPointF ab = b - a;
  const double lengthSquared = QPointF::dotProduct(ab, ab);
  const double t =
      lengthSquared > 0.0 ? std::clamp(QPointF::dotProduct(p - a, ab) / lengthSquared, 0.0, 1.0) : 0.0;
  const QPointF gap = p - (a + t * ab);
  return std::hypot(gap.x(), gap.y());
}

}  // namespace

MetricChart::MetricChart(SeriesStore* store, const QString& title, const QString& valueTitle, QWidget* parent)
    : QChartView(new QChart, parent), m_store(store), m_valueTitle(valueTitle) {
  setRenderHint(QPainter::Antialiasing);
  setMouseTracking(true);
  // Less and the axis labels turn into "…".
  setMinimumSize(160, 170);
  QChart* c = chart();
  c->setTitle(title);
  // The room around the chart's panel goes to the plot.
  c->layout()->setContentsMargins(0, 0, 0, 0);
  c->setBackgroundRoundness(0);
  m_axisX = new QValueAxis(c);
  c->addAxis(m_axisX, Qt::AlignBottom);
  labelXAxis();
  rebuildValueAxis();

  m_markerSeries = new QScatterSeries(c);
  m_markerSeries->setMarkerShape(QScatterSeries::MarkerShapeStar);
  m_markerSeries->setMarkerSize(18);
  m_markerSeries->setColor(QColor(0xd6, 0x27, 0x28));
  attach(m_markerSeries);
  m_legend = new ChartLegend(c, QMargins(4, 4, 4, 4));

  m_hoverLine = new QGraphicsLineItem(c);
  m_hoverLine->setPen(QPen(QColor(0, 0, 0, 90), 1, Qt::DashLine));
  m_hoverLine->setZValue(20);
  m_hoverText = new QGraphicsSimpleTextItem(c);
  m_hoverText->setZValue(21);
  m_hoverText->setBrush(QColor(0x20, 0x20, 0x20));
  clearHover();

  setContextMenuPolicy(Qt::ActionsContextMenu);
  m_logAction = new QAction(tr("Log scale"), this);
  m_logAction->setObjectName(QStringLiteral("logScaleAction"));
  m_logAction->setCheckable(true);
  connect(m_logAction, &QAction::toggled, this, &MetricChart::setLogScale);
  addAction(m_logAction);
  auto* csv = new QAction(tr("Export series as CSV…"), this);
  connect(csv, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export CSV"), {}, tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    const QString error = exportCsv(path);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Export CSV"), error);
  });
  addAction(csv);
  auto* png = new QAction(tr("Save chart as PNG…"), this);
  connect(png, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save chart"), {}, tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    const QString error = exportPng(path);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Save chart"), error);
  });
  addAction(png);
  auto* reset = new QAction(tr("Reset zoom"), this);
  reset->setObjectName(QStringLiteral("resetZoomAction"));
  connect(reset, &QAction::triggered, this, &MetricChart::resetZoom);
  addAction(reset);
  setRubberBand(QChartView::RectangleRubberBand);
}

void MetricChart::attach(QXYSeries* series) {
  chart()->addSeries(series);
  series->attachAxis(m_axisX);
  series->attachAxis(m_axisY);
}

void MetricChart::rebuildValueAxis() {
  QChart* c = chart();
  if (m_axisY != nullptr) {
    c->removeAxis(m_axisY);  // detaches it from every series
    delete m_axisY;
  }
  if (m_logScale) {
    auto* axis = new QLogValueAxis(c);
    axis->setLabelFormat(QStringLiteral("%.3g"));
    axis->setMinorTickCount(-1);
    m_axisY = axis;
  } else {
    m_axisY = new QValueAxis(c);
  }
  m_axisY->setTitleText(m_valueTitle);
  c->addAxis(m_axisY, Qt::AlignLeft);
  for (QAbstractSeries* s : c->series()) s->attachAxis(m_axisY);
  updateAxisTitles();
}

void MetricChart::updateAxisTitles() {
  const bool visible = height() >= kAxisTitlesMinHeight;
  m_axisX->setTitleVisible(visible);
  m_axisY->setTitleVisible(visible);
}

void MetricChart::showSeries(const QString& name, Style style, const QString& overlayRun) {
  for (const Shown& s : std::as_const(m_shown))
    if (s.name == name) return;
  const QColor color = seriesColor(m_nextColor++);
  Shown shown{name, style, nullptr, nullptr, overlayRun, color};
  QPen pen(color, style == Style::Batch ? 1.0 : 2.0, overlayRun.isEmpty() ? Qt::SolidLine : Qt::DashLine);
  shown.raw = new QLineSeries(chart());
  shown.raw->setName(name);
  shown.raw->setPen(pen);
  shown.raw->setPointsVisible(style == Style::Epoch);
  attach(shown.raw);
  if (style == Style::Batch) {
    shown.smoothed = new QLineSeries(chart());
    shown.smoothed->setName(name);
    QPen strong(color, 2.0, pen.style());
    shown.smoothed->setPen(strong);
    attach(shown.smoothed);
  }
  m_shown.append(shown);
  updateLegend();
  setSmoothing(m_smoothing);  // styles the raw line
}

void MetricChart::hideSeries(const QString& name) {
  for (qsizetype i = 0; i < m_shown.size(); ++i) {
    if (m_shown[i].name != name) continue;
    chart()->removeSeries(m_shown[i].raw);
    delete m_shown[i].raw;
    if (m_shown[i].smoothed != nullptr) {
      chart()->removeSeries(m_shown[i].smoothed);
      delete m_shown[i].smoothed;
    }
    m_shown.removeAt(i);
    updateLegend();
    return;
  }
}

// An entry names its series without its run (the legend lists an earlier
// run's series after the run's name) and without the chart's value, which
// the title says: "train per batch" on the accuracy chart.
void MetricChart::updateLegend() {
  const QRegularExpression value(
      QStringLiteral("\\s*\\b%1\\b").arg(QRegularExpression::escape(m_valueTitle)));
  QList<ChartLegend::Entry> entries;
  for (const Shown& s : std::as_const(m_shown)) {
    QString label = s.name;
    if (!s.run.isEmpty() && label.startsWith(s.run + QStringLiteral(": "))) label.remove(0, s.run.size() + 2);
    const QString withoutValue = QString(label).remove(value).simplified();
    entries.append({s.run, withoutValue.isEmpty() ? label : withoutValue, s.name, s.color});
  }
  m_legend->setEntries(entries);
}

QString MetricChart::legendText() const { return m_legend->toPlainText(); }

QRectF MetricChart::legendRect() const { return m_legend->mapRectToParent(m_legend->boundingRect()); }

QStringList MetricChart::seriesNames() const {
  QStringList names;
  for (const Shown& s : m_shown) names << s.name;
  return names;
}

void MetricChart::setSmoothing(double weight) {
  m_smoothing = std::clamp(weight, 0.0, 0.99);
  const bool smoothing = m_smoothing > 0.0;
  for (const Shown& s : std::as_const(m_shown)) {
    if (s.smoothed == nullptr) continue;
    QColor faint = s.smoothed->pen().color();
    faint.setAlphaF(smoothing ? 0.25 : 1.0);
    QPen pen = s.raw->pen();
    pen.setColor(faint);
    s.raw->setPen(pen);
    s.smoothed->setVisible(smoothing);
  }
  refresh();
}

void MetricChart::setLogScale(bool on) {
  if (on == m_logScale) return;
  m_logScale = on;
  m_logAction->setChecked(on);
  rebuildValueAxis();
  refresh();
  emit logScaleChanged(on);
}

void MetricChart::setXUnit(XUnit unit) {
  if (unit == m_xUnit) return;
  m_xUnit = unit;
  labelXAxis();
  m_zoom.reset();
  m_sharedX.reset();
  clearHover();
  refresh();
}

void MetricChart::labelXAxis() {
  const bool epochs = m_xUnit == XUnit::Epochs;
  m_axisX->setTitleText(epochs ? tr("epoch") : tr("iteration"));
  // Whole updates; epochs in halves or quarters where the nice ticks fall.
  m_axisX->setLabelFormat(epochs ? QStringLiteral("%.3g") : QStringLiteral("%d"));
}

std::optional<double> MetricChart::updatesPerX(const QString& name) const {
  if (m_xUnit == XUnit::Iterations) return 1.0;
  const int id = m_store->find(name);
  const double perEpoch = id < 0 ? 0.0 : m_store->updatesPerEpoch(id);
  if (!(perEpoch > 0.0)) return std::nullopt;
  return perEpoch;
}

void MetricChart::setMarker(std::optional<QPointF> point, const QString& series, const QString& label) {
  m_marker = point;
  m_markedSeries = series;
  // Named for the read-out of tools that list series; the legend leaves it out
  // (the charts panel states the best epoch above the charts).
  m_markerSeries->setName(label);
  refresh();
}

int MetricChart::displayBuckets() const {
  // Two points (low and high) per bucket: about one point per pixel column.
  const int width = static_cast<int>(chart()->plotArea().width());
  return std::max(64, (width > 0 ? width : this->width()) / 2);
}

QList<QPointF> MetricChart::displayPoints(const std::vector<QPointF>& points, double updatesPerX) const {
  QList<QPointF> shown = SeriesStore::downsample(points, displayBuckets());
  if (updatesPerX != 1.0)
    for (QPointF& p : shown) p.setX(p.x() / updatesPerX);
  // A log axis cannot place zero or negative values.
  if (m_logScale) shown.removeIf([](const QPointF& p) { return !(p.y() > 0.0); });
  return shown;
}

void MetricChart::refresh() {
  double minX = std::numeric_limits<double>::infinity(), maxX = -minX;
  double minY = minX, maxY = -minX;
  auto extend = [&](const QList<QPointF>& points) {
    for (const QPointF& p : points) {
      minX = std::min(minX, p.x());
      maxX = std::max(maxX, p.x());
      minY = std::min(minY, p.y());
      maxY = std::max(maxY, p.y());
    }
  };
  for (const Shown& s : std::as_const(m_shown)) {
    const int id = m_store->find(s.name);
    const std::optional<double> perX = updatesPerX(s.name);
    if (id < 0 || !perX) {
      s.raw->clear();
      if (s.smoothed != nullptr) s.smoothed->clear();
      continue;
    }
    const std::vector<QPointF>& points = m_store->points(id);
    const QList<QPointF> raw = displayPoints(points, *perX);
    s.raw->replace(raw);
    extend(raw);
    if (s.smoothed != nullptr && s.smoothed->isVisible()) {
      const QList<QPointF> smoothed = displayPoints(SeriesStore::smooth(points, m_smoothing), *perX);
      s.smoothed->replace(smoothed);
    }
  }
  QList<QPointF> marker;
  const std::optional<double> markerPerX = updatesPerX(m_markedSeries);
  if (m_marker && markerPerX && (!m_logScale || m_marker->y() > 0.0))
    marker.append(QPointF(m_marker->x() / *markerPerX, m_marker->y()));
  m_markerSeries->replace(marker);
  if (minX > maxX) {  // nothing to draw yet
    m_extentX.reset();
    m_extentY.reset();
  } else {
    m_extentX = {minX, maxX};
    m_extentY = {minY, maxY};
  }
  applyRanges();
}

void MetricChart::applyRanges() {
  if (m_zoom) {
    m_axisX->setRange(m_zoom->left(), m_zoom->right());
    m_axisY->setRange(m_zoom->top(), m_zoom->bottom());
    return;
  }
  if (!m_extentX) {
    m_axisX->setRange(0.0, m_xUnit == XUnit::Epochs ? 1.0 : 100.0);
    m_axisY->setRange(m_logScale ? 0.1 : 0.0, 1.0);
    return;
  }
  double minX = m_extentX->first, maxX = m_extentX->second;
  if (m_sharedX) {
    minX = std::min(minX, m_sharedX->first);
    maxX = std::max(maxX, m_sharedX->second);
  }
  // A single x (one epoch's point) sits in the middle of [0, 2x].
  m_axisX->setRange(maxX > minX ? minX : 0.0, maxX > minX ? maxX : std::max(1.0, 2.0 * maxX));
  m_axisX->applyNiceNumbers();
  const double minY = m_extentY->first, maxY = m_extentY->second;
  if (m_logScale) {
    m_axisY->setRange(minY / 1.25, maxY > minY ? maxY * 1.25 : minY * 10.0);
  } else {
    const double pad = maxY > minY ? (maxY - minY) * 0.05 : std::max(std::abs(minY) * 0.05, 1e-3);
    // Rates, losses and accuracies are never negative: keep the axis at 0 or above.
    auto* axis = static_cast<QValueAxis*>(m_axisY);
    axis->setRange(minY >= 0.0 ? std::max(0.0, minY - pad) : minY - pad, maxY + pad);
    // Nice numbers near as many ticks as a short plot has room for; crowded labels turn into "…".
    const double plotHeight = chart()->plotArea().height();
    const int fit = plotHeight > 0.0 ? static_cast<int>(plotHeight / (2.5 * fontMetrics().height())) + 1 : 5;
    axis->setTickCount(std::clamp(fit, 2, 5));
    axis->applyNiceNumbers();
    if (m_ceiling && axis->max() > *m_ceiling && maxY <= *m_ceiling) axis->setMax(*m_ceiling);
  }
}

void MetricChart::keepAxesAsZoom() {
  const auto [yMin, yMax] = valueRange(m_axisY);
  m_zoom = QRectF(QPointF(m_axisX->min(), yMin), QPointF(m_axisX->max(), yMax));
}

void MetricChart::zoomX(double factor, double center) {
  const auto [yMin, yMax] = valueRange(m_axisY);
  const double left = center - (center - m_axisX->min()) * factor;
  const double right = center + (m_axisX->max() - center) * factor;
  if (!(right > left)) return;
  m_zoom = QRectF(QPointF(left, yMin), QPointF(right, yMax));
  applyRanges();
}

void MetricChart::resetZoom() {
  m_zoom.reset();
  applyRanges();
}

void MetricChart::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::MiddleButton) {
    m_panFrom = event->position().toPoint();
    event->accept();
    return;
  }
  // Right is the context menu's: Qt's rubber band would zoom out on it.
  if (event->button() == Qt::RightButton) return QGraphicsView::mousePressEvent(event);
  if (event->button() == Qt::LeftButton) m_pressedAt = event->position().toPoint();
  QChartView::mousePressEvent(event);
}

void MetricChart::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() == Qt::MiddleButton) {
    m_panFrom.reset();
    event->accept();
    return;
  }
  if (event->button() == Qt::RightButton) return QGraphicsView::mouseReleaseEvent(event);
  const QPoint pos = event->position().toPoint();
  const bool click = event->button() == Qt::LeftButton && m_pressedAt &&
                     (pos - *m_pressedAt).manhattanLength() < QApplication::startDragDistance();
  m_pressedAt.reset();
  const double before[] = {m_axisX->min(), m_axisX->max()};
  QChartView::mouseReleaseEvent(event);
  // A drag zoomed the axes: that view stays until a reset (a click leaves them).
  if (m_axisX->min() != before[0] || m_axisX->max() != before[1]) keepAxesAsZoom();
  // The lines never hear the click (the rubber band takes the press): it is found here.
  if (click)
    if (const auto hit = seriesAt(pos)) emit seriesClicked(hit->first, hit->second);
}

std::optional<std::pair<QString, QPointF>> MetricChart::seriesAt(const QPoint& pos) const {
  const QPointF at = chart()->mapFromScene(mapToScene(pos));
  if (!chart()->plotArea().contains(at)) return std::nullopt;
  double nearest = kClickReachPx;
  const Shown* hit = nullptr;
  for (const Shown& s : m_shown)
    for (QLineSeries* line : {s.raw, s.smoothed}) {
      if (line == nullptr || !line->isVisible()) continue;
      const QList<QPointF> points = line->points();
      for (qsizetype i = 0; i < points.size(); ++i) {
        const QPointF from = chart()->mapToPosition(points[i], line);
        const QPointF to = chart()->mapToPosition(points[std::min(i + 1, points.size() - 1)], line);
        if (const double distance = distanceToSegment(at, from, to); distance <= nearest) {
          nearest = distance;
          hit = &s;
        }
      }
    }
  const std::optional<double> perX = hit == nullptr ? std::nullopt : updatesPerX(hit->name);
  if (!perX) return std::nullopt;
  const QPointF value = chart()->mapToValue(at, m_markerSeries);
  return std::pair(hit->name, QPointF(value.x() * *perX, value.y()));
}

void MetricChart::mouseDoubleClickEvent(QMouseEvent* event) {
  resetZoom();
  event->accept();
}

void MetricChart::wheelEvent(QWheelEvent* event) {
  if (!(event->modifiers() & Qt::ControlModifier)) return QChartView::wheelEvent(event);  // the page scrolls
  const QPointF value = chart()->mapToValue(chart()->mapFromScene(mapToScene(event->position().toPoint())));
  zoomX(event->angleDelta().y() > 0 ? 0.8 : 1.25, value.x());
  event->accept();
}

void MetricChart::setSharedXRange(std::optional<QPair<double, double>> range) {
  if (range == m_sharedX) return;
  m_sharedX = range;
  applyRanges();
}

int MetricChart::displayedCount(const QString& name) const {
  for (const Shown& s : m_shown)
    if (s.name == name) return static_cast<int>(s.raw->count());
  return -1;
}

QString MetricChart::readout(double x) const {
  QStringList parts;
  for (const Shown& s : m_shown) {
    const int id = m_store->find(s.name);
    const std::optional<double> perX = updatesPerX(s.name);
    if (id < 0 || !perX) continue;
    const std::vector<QPointF>& points = m_store->points(id);
    // The last point at or before x.
    auto it = std::upper_bound(points.begin(), points.end(), x * *perX,
                               [](double value, const QPointF& p) { return value < p.x(); });
    if (it == points.begin()) continue;
    --it;
    parts << s.name + QLatin1Char(' ') + formatValue(it->y());
  }
  if (parts.isEmpty()) return {};
  const QString where = m_xUnit == XUnit::Epochs
                            ? tr("epoch %1").arg(x, 0, 'f', 2)
                            : tr("iteration %1").arg(static_cast<qlonglong>(std::floor(x)));
  return where + QStringLiteral(" · ") + parts.join(QStringLiteral(" · "));
}

QString MetricChart::hoverText() const { return m_hoverText->isVisible() ? m_hoverText->text() : QString(); }

void MetricChart::hoverAt(const QPoint& pos) {
  const QPointF scenePos = mapToScene(pos);
  const QRectF plot = chart()->plotArea();
  const QPointF chartPos = chart()->mapFromScene(scenePos);
  if (!plot.contains(chartPos)) {
    clearHover();
    return;
  }
  const QString text = readout(chart()->mapToValue(chartPos, m_markerSeries).x());
  if (text.isEmpty()) {
    clearHover();
    return;
  }
  m_hoverText->setText(text);
  m_hoverText->setPos(plot.left() + 6, plot.top() + 4);
  m_hoverLine->setLine(chartPos.x(), plot.top(), chartPos.x(), plot.bottom());
  m_hoverText->show();
  m_hoverLine->show();
}

void MetricChart::clearHover() {
  m_hoverText->hide();
  m_hoverLine->hide();
}

void MetricChart::mouseMoveEvent(QMouseEvent* event) {
  if (m_panFrom) {
    const QPoint delta = event->position().toPoint() - *m_panFrom;
    m_panFrom = event->position().toPoint();
    chart()->scroll(-delta.x(), delta.y());
    keepAxesAsZoom();
  }
  hoverAt(event->position().toPoint());
  QChartView::mouseMoveEvent(event);
}

void MetricChart::leaveEvent(QEvent* event) {
  clearHover();
  QChartView::leaveEvent(event);
}

void MetricChart::resizeEvent(QResizeEvent* event) {
  QChartView::resizeEvent(event);
  m_legend->place();
  updateAxisTitles();
  refresh();  // the thinning follows the width
}

QString MetricChart::exportCsv(const QString& path) const {
  QList<int> ids;
  for (const Shown& s : m_shown)
    if (const int id = m_store->find(s.name); id >= 0) ids.append(id);
  if (ids.isEmpty()) return tr("The chart \"%1\" has no points to export yet").arg(chart()->title());
  return m_store->writeCsv(path, ids);
}

QString MetricChart::exportPng(const QString& path) {
  if (!grab().save(path, "PNG")) return tr("Cannot write the image %1").arg(path);
  return {};
}
