#include "LrScheduleEditor.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QGraphicsLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMouseEvent>
#include <QPainter>
#include <QScatterSeries>
#include <QStyle>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <string>

#include "ElidedLabel.h"
#include "fitbench/fit.h"

namespace {

// Display points per series; the data behind them keeps every point.
constexpr qsizetype kMaxDisplayPoints = 4000;
// More updates than this would make every form edit recompute for too long
// (ImageNet-sized runs); the curve is then drawn with fewer batches per epoch.
constexpr int64_t kMaxUpdates = 2'000'000;
// How far (pixels) from a marker a press still grabs it.
constexpr double kGrabDistance = 8.0;

// At most four points per bucket (its first, lowest, highest and last, in
// order), so a step keeps its vertical edge and a spike its height.
template <typename PointAt>
QList<QPointF> downsample(qsizetype count, PointAt pointAt) {
  QList<QPointF> out;
  if (count <= kMaxDisplayPoints) {
    out.reserve(count);
    for (qsizetype i = 0; i < count; ++i) out.append(pointAt(i));
    return out;
  }
  const qsizetype buckets = kMaxDisplayPoints / 4;
  out.reserve(kMaxDisplayPoints);
  for (qsizetype b = 0; b < buckets; ++b) {
    const qsizetype begin = count * b / buckets;
    const qsizetype end = count * (b + 1) / buckets;
    if (begin >= end) continue;
    qsizetype lowest = begin;
    qsizetype highest = begin;
    for (qsizetype i = begin + 1; i < end; ++i) {
      const double y = pointAt(i).y();
      if (y < pointAt(lowest).y()) lowest = i;
      if (y > pointAt(highest).y()) highest = i;
    }
    const qsizetype picks[] = {begin, std::min(lowest, highest), std::max(lowest, highest), end - 1};
    qsizetype last = -1;
    for (const qsizetype i : picks) {
      if (i == last) continue;
      out.append(pointAt(i));
      last = i;
    }
  }
  return out;
}

// A log axis cannot place a rate of 0 (cosine ends there).
QList<QPointF> positiveOnly(const QList<QPointF>& points) {
  QList<QPointF> out;
  out.reserve(points.size());
  for (const QPointF& p : points)
    if (p.y() > 0.0) out.append(p);
  return out;
}

void repolish(QWidget* widget) {
  widget->style()->unpolish(widget);
  widget->style()->polish(widget);
}

}  // namespace

LrScheduleEditor::LrScheduleEditor(QWidget* parent) : QWidget(parent) { buildUi(); }

void LrScheduleEditor::buildUi() {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  auto* controls = new QHBoxLayout;
  controls->setContentsMargins(6, 4, 6, 0);
  auto* factorLabel = new QLabel(tr("--lr-&factor:"), this);
  m_factorEdit = new QLineEdit(this);
  m_factorEdit->setObjectName(QStringLiteral("lrFactorEdit"));
  m_factorEdit->setMaximumWidth(120);
  m_factorEdit->setStyleSheet(
      QStringLiteral("QLineEdit[invalid=\"true\"] { border: 2px solid #d32f2f; border-radius: 3px; }"));
  factorLabel->setBuddy(m_factorEdit);
  connect(m_factorEdit, &QLineEdit::editingFinished, this, &LrScheduleEditor::applyFactorEdit);
  m_logCheck = new QCheckBox(tr("&Log scale"), this);
  m_logCheck->setObjectName(QStringLiteral("lrLogScale"));
  connect(m_logCheck, &QCheckBox::toggled, this, &LrScheduleEditor::setLogScale);
  auto* hint = new ElidedLabel(tr("click: add a step · drag: move it · right-click: remove it"), this);
  hint->setObjectName(QStringLiteral("lrHint"));
  hint->setEnabled(false);  // greyed: a hint, not a value
  controls->addWidget(factorLabel);
  controls->addWidget(m_factorEdit);
  controls->addSpacing(12);
  controls->addWidget(m_logCheck);
  controls->addStretch(1);
  controls->addWidget(hint);
  layout->addLayout(controls);

  m_chart = new QChart;
  m_chart->setTitle(tr("Learning rate"));
  m_chart->legend()->setAlignment(Qt::AlignBottom);
  // The room around the chart's panel goes to the plot, as on the training charts.
  m_chart->layout()->setContentsMargins(0, 0, 0, 0);
  m_chart->setBackgroundRoundness(0);

  m_curveSeries = new QLineSeries(m_chart);
  m_curveSeries->setObjectName(QStringLiteral("scheduleSeries"));
  m_curveSeries->setName(tr("schedule"));
  QPen curvePen(QColor(0x1f, 0x77, 0xb4));
  curvePen.setWidthF(2.0);
  m_curveSeries->setPen(curvePen);
  m_actualSeries = new QLineSeries(m_chart);
  m_actualSeries->setObjectName(QStringLiteral("actualSeries"));
  m_actualSeries->setName(tr("actual lr"));
  QPen actualPen(QColor(0xff, 0x7f, 0x0e));
  actualPen.setWidthF(1.5);
  m_actualSeries->setPen(actualPen);
  m_markerSeries = new QScatterSeries(m_chart);
  m_markerSeries->setObjectName(QStringLiteral("stepSeries"));
  m_markerSeries->setName(tr("lr steps"));
  m_markerSeries->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
  m_markerSeries->setMarkerSize(11.0);
  m_markerSeries->setColor(QColor(0xd6, 0x27, 0x28));
  m_markerSeries->setBorderColor(Qt::white);
  m_chart->addSeries(m_curveSeries);
  m_chart->addSeries(m_actualSeries);
  m_chart->addSeries(m_markerSeries);

  m_axisEpoch = new QValueAxis(m_chart);
  m_axisEpoch->setTitleText(tr("epoch"));
  m_axisEpoch->setLabelFormat(QStringLiteral("%.1f"));
  m_chart->addAxis(m_axisEpoch, Qt::AlignBottom);
  for (QAbstractSeries* series : m_chart->series()) series->attachAxis(m_axisEpoch);
  addRateAxis();

  m_view = new QChartView(m_chart, this);
  m_view->setObjectName(QStringLiteral("lrChartView"));
  m_view->setRenderHint(QPainter::Antialiasing);
  m_view->setMinimumHeight(150);
  m_view->viewport()->setMouseTracking(true);  // the cursor changes over a marker
  m_view->viewport()->installEventFilter(this);
  layout->addWidget(m_view, 1);

  m_noteLabel = new QLabel(this);
  m_noteLabel->setObjectName(QStringLiteral("lrNote"));
  m_noteLabel->setWordWrap(true);
  m_noteLabel->setTextFormat(Qt::PlainText);
  layout->addWidget(m_noteLabel);
}

// The rate axis m_logScale asks for (a chart cannot switch an axis between
// linear and log, so setLogScale() replaces it).
void LrScheduleEditor::addRateAxis() {
  if (m_logScale) {
    auto* axis = new QLogValueAxis;
    axis->setBase(10.0);
    axis->setLabelFormat(QStringLiteral("%.0e"));
    m_axisLr = axis;
  } else {
    auto* axis = new QValueAxis;
    axis->setLabelFormat(QStringLiteral("%.3g"));
    m_axisLr = axis;
  }
  m_axisLr->setTitleText(tr("learning rate"));
  m_chart->addAxis(m_axisLr, Qt::AlignLeft);
  for (QAbstractSeries* series : m_chart->series()) series->attachAxis(m_axisLr);
}

void LrScheduleEditor::setArgs(const fitbench::FitArgs& args) {
  if (m_haveArgs && args == m_args) return;
  m_args = args;
  m_haveArgs = true;
  m_dragging = false;
  m_pressedOnPlot = false;
  rebuildCurve();
}

void LrScheduleEditor::setReadOnly(bool readOnly) {
  if (readOnly == m_readOnly) return;
  m_readOnly = readOnly;
  m_dragging = false;
  m_pressedOnPlot = false;
  m_view->viewport()->unsetCursor();
  rebuildCurve();
}

void LrScheduleEditor::setLogScale(bool logScale) {
  if (logScale == m_logScale) return;
  m_logScale = logScale;
  m_logCheck->setChecked(logScale);
  // Without a rate axis while the points change, so a log axis never sees a rate of 0.
  m_chart->removeAxis(m_axisLr);
  delete m_axisLr;
  updateSeries();
  updateActualSeries();
  addRateAxis();
  updateAxes();
}

QList<int> LrScheduleEditor::steps() const {
  if (!m_stepSchedule) return {};
  return m_stepEpochs;
}

fitbench::FitArgs LrScheduleEditor::withSteps(QList<int> steps) const {
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  QStringList texts;
  for (const int step : steps) texts << QString::number(step);
  fitbench::FitArgs args = m_args;
  if (texts.isEmpty())
    args.unset("lr-step-epochs");
  else
    args.set("lr-step-epochs", texts.join(QLatin1Char(',')).toStdString());
  return args;
}

void LrScheduleEditor::edit(const fitbench::FitArgs& args) {
  if (args == m_args) return;
  m_args = args;
  rebuildCurve();
  emit argsEdited(m_args);
}

void LrScheduleEditor::applyFactorEdit() {
  if (m_readOnly) return;
  fitbench::FitArgs args = m_args;
  try {
    args.set("lr-factor", m_factorEdit->text().trimmed().toStdString());
  } catch (const fitbench::ArgError& e) {
    m_factorEdit->setToolTip(QString::fromUtf8(e.what()));
    m_factorEdit->setProperty("invalid", true);
    repolish(m_factorEdit);
    return;
  }
  m_factorEdit->setProperty("invalid", false);
  repolish(m_factorEdit);
  edit(args);
}

void LrScheduleEditor::rebuildCurve() {
  QStringList notes;
  m_rates.clear();
  // The form hands over valid arguments only; an empty schedule otherwise.
  fitbench::FitConfig config;
  try {
    config = fitbench::FitConfig::resolve(m_args);
  } catch (const fitbench::Error& e) {
    notes << QString::fromUtf8(e.what());
  }
  m_numEpochs = config.num_epochs;
  m_beginEpoch = config.begin_epoch();
  m_stepEpochs = QList<int>(config.lr_step_epoch_list.begin(), config.lr_step_epoch_list.end());

  if (!config.num_examples) {
    config.num_examples = kDefaultNumExamples;
    notes << tr("--num-examples is None: drawn for %1 training examples (MNIST's).").arg(kDefaultNumExamples);
  }
  const int64_t realEpochSize = std::max<int64_t>(1, config.batches_per_epoch());
  const int64_t epochs = std::max(0, m_numEpochs - m_beginEpoch);
  m_epochSize = realEpochSize;
  if (epochs * m_epochSize > kMaxUpdates) {
    m_epochSize = std::max<int64_t>(1, kMaxUpdates / epochs);
    notes << tr("Drawn with %1 updates per epoch instead of %2 to stay quick.")
                 .arg(m_epochSize)
                 .arg(realEpochSize);
  }
  try {
    m_rates = fitbench::learning_rate_schedule(config, m_epochSize, epochs * m_epochSize);
  } catch (const std::exception& e) {
    notes << tr("No schedule: %1").arg(QString::fromUtf8(e.what()));
  }

  // Which schedules --lr-step-epochs steps, as fit.py's _get_lr_scheduler decides.
  const std::string& kind = config.lr_scheduler;
  const std::optional<double> power = config.lr_step_power;
  m_stepSchedule = false;
  bool factorMatters = true;
  if (kind == "cosine") {
    notes << tr("Cosine schedule: the rate decays over all epochs; there are no steps to edit.");
    factorMatters = false;
  } else if (kind == "poly" || power) {
    notes << tr("Polynomial decay (power %1): there are no steps to edit; --lr-step-epochs pow<p> sets the "
                "power.")
                 .arg(power.value_or(2.0));
    factorMatters = false;
  } else if (kind == "factor") {
    notes << tr(
        "Factor schedule: the rate is multiplied by --lr-factor every N epochs, N the first of "
        "--lr-step-epochs; edit N in the form.");
  } else {
    m_stepSchedule = true;
    if (config.lr_factor >= 1.0) notes << tr("--lr-factor >= 1 keeps the rate constant.");
  }

  m_markerEpochs.clear();
  if (m_stepSchedule) {
    for (const int step : steps())
      if (step > m_beginEpoch && step < m_numEpochs && !m_markerEpochs.contains(step))
        m_markerEpochs.append(step);
    std::sort(m_markerEpochs.begin(), m_markerEpochs.end());
  }

  const double begin = m_beginEpoch;
  const double perEpoch = static_cast<double>(m_epochSize);
  m_curvePoints = downsample(static_cast<qsizetype>(m_rates.size()), [&](qsizetype i) {
    return QPointF(begin + static_cast<double>(i) / perEpoch, m_rates[static_cast<size_t>(i)]);
  });

  m_factorEdit->setText(QString::fromStdString(m_args.raw("lr-factor").value_or(std::string())));
  m_factorEdit->setProperty("invalid", false);
  repolish(m_factorEdit);
  m_factorEdit->setToolTip(QString::fromStdString(fitbench::find_arg("lr-factor")->help));
  m_factorEdit->setEnabled(!m_readOnly && factorMatters);
  if (m_readOnly) notes << tr("Training runs: the schedule is read-only.");
  m_noteLabel->setText(notes.join(QLatin1Char(' ')));
  m_noteLabel->setVisible(!notes.isEmpty());
  updateSeries();
  updateAxes();
}

double LrScheduleEditor::rateAtEpoch(double epoch) const {
  if (m_rates.empty()) return 0.0;
  const auto index =
      static_cast<int64_t>(std::llround((epoch - m_beginEpoch) * static_cast<double>(m_epochSize)));
  return m_rates[static_cast<size_t>(
      std::clamp<int64_t>(index, 0, static_cast<int64_t>(m_rates.size()) - 1))];
}

void LrScheduleEditor::updateSeries() {
  m_curveSeries->replace(m_logScale ? positiveOnly(m_curvePoints) : m_curvePoints);
  QList<QPointF> markers;
  for (const int epoch : std::as_const(m_markerEpochs)) markers.append(QPointF(epoch, rateAtEpoch(epoch)));
  m_markerSeries->replace(m_logScale ? positiveOnly(markers) : markers);
}

void LrScheduleEditor::updateActualSeries() {
  const QList<QPointF> shown =
      downsample(m_actualPoints.size(), [this](qsizetype i) { return m_actualPoints.at(i); });
  m_actualSeries->replace(m_logScale ? positiveOnly(shown) : shown);
}

void LrScheduleEditor::updateAxes() {
  double lastEpoch = std::max(m_numEpochs, m_beginEpoch + 1);
  double highest = 0.0;
  double lowestPositive = std::numeric_limits<double>::infinity();
  for (const QLineSeries* series : {m_curveSeries, m_actualSeries}) {
    for (const QPointF& p : series->points()) {
      lastEpoch = std::max(lastEpoch, p.x());
      highest = std::max(highest, p.y());
      if (p.y() > 0.0) lowestPositive = std::min(lowestPositive, p.y());
    }
  }
  m_axisEpoch->setRange(m_beginEpoch, lastEpoch);
  if (m_logScale) {
    if (!std::isfinite(lowestPositive)) lowestPositive = highest = 1.0;
    m_axisLr->setRange(lowestPositive / 2.0, highest * 2.0);
  } else {
    auto* axis = static_cast<QValueAxis*>(m_axisLr);
    axis->setRange(0.0, highest > 0.0 ? highest * 1.05 : 1.0);
    axis->applyNiceNumbers();  // round tick labels
  }
}

void LrScheduleEditor::addActualLearningRate(double epoch, double lr) {
  addActualLearningRates({QPointF(epoch, lr)});
}

void LrScheduleEditor::addActualLearningRates(const QList<QPointF>& points) {
  m_actualPoints.append(points);
  updateActualSeries();
  updateAxes();
}

void LrScheduleEditor::clearActualLearningRate() {
  m_actualPoints.clear();
  updateActualSeries();
  updateAxes();
}

bool LrScheduleEditor::eventFilter(QObject* watched, QEvent* event) {
  if (watched != m_view->viewport()) return QWidget::eventFilter(watched, event);
  switch (event->type()) {
    // A double click's second press arrives as a double-click event.
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonDblClick: {
      const auto* mouse = static_cast<QMouseEvent*>(event);
      return onMousePress(mouse->position(), mouse->button());
    }
    case QEvent::MouseMove:
      return onMouseMove(static_cast<QMouseEvent*>(event)->position());
    case QEvent::MouseButtonRelease: {
      const auto* mouse = static_cast<QMouseEvent*>(event);
      return onMouseRelease(mouse->position(), mouse->button());
    }
    default:
      return QWidget::eventFilter(watched, event);
  }
}

double LrScheduleEditor::epochAt(const QPointF& viewportPos, bool* inPlot) const {
  const QPointF chartPos = m_chart->mapFromScene(m_view->mapToScene(viewportPos.toPoint()));
  if (inPlot != nullptr) *inPlot = m_chart->plotArea().contains(chartPos);
  return m_chart->mapToValue(chartPos, m_curveSeries).x();
}

int LrScheduleEditor::markerAt(const QPointF& viewportPos) const {
  const QPointF chartPos = m_chart->mapFromScene(m_view->mapToScene(viewportPos.toPoint()));
  if (!m_chart->plotArea()
           .adjusted(-kGrabDistance, -kGrabDistance, kGrabDistance, kGrabDistance)
           .contains(chartPos))
    return -1;
  // The whole height of a step's column grabs it: the curve's edge there is vertical.
  int best = -1;
  double bestDistance = kGrabDistance;
  for (const int epoch : m_markerEpochs) {
    const double x = m_chart->mapToPosition(QPointF(epoch, 1.0), m_curveSeries).x();
    const double distance = std::abs(x - chartPos.x());
    if (distance <= bestDistance) {
      best = epoch;
      bestDistance = distance;
    }
  }
  return best;
}

int LrScheduleEditor::snapEpoch(double epoch) const {
  const int lowest = std::max(1, m_beginEpoch + 1);
  const int highest = m_numEpochs - 1;
  if (highest < lowest || !std::isfinite(epoch)) return -1;
  return static_cast<int>(std::clamp<double>(std::round(epoch), lowest, highest));
}

bool LrScheduleEditor::onMousePress(const QPointF& viewportPos, Qt::MouseButton button) {
  if (!stepsEditable()) return false;
  const int marker = markerAt(viewportPos);
  if (button == Qt::RightButton) {
    if (marker < 0) return false;
    QList<int> remaining = steps();
    remaining.removeAll(marker);
    edit(withSteps(remaining));
    return true;
  }
  if (button != Qt::LeftButton) return false;
  if (marker >= 0) {
    m_dragging = true;
    m_argsBeforeDrag = m_args;
    m_dragOtherSteps = steps();
    m_dragOtherSteps.removeAll(marker);
    m_view->viewport()->setCursor(Qt::ClosedHandCursor);
    return true;
  }
  bool inPlot = false;
  epochAt(viewportPos, &inPlot);
  m_pressedOnPlot = inPlot;
  return inPlot;
}

bool LrScheduleEditor::onMouseMove(const QPointF& viewportPos) {
  if (m_dragging) {
    const int epoch = snapEpoch(epochAt(viewportPos, nullptr));
    if (epoch < 0) return true;
    // Redraws as the step moves; argsEdited() waits for the release.
    const fitbench::FitArgs moved = withSteps(m_dragOtherSteps + QList<int>{epoch});
    if (moved != m_args) {
      m_args = moved;
      rebuildCurve();
    }
    return true;
  }
  if (stepsEditable() && markerAt(viewportPos) >= 0)
    m_view->viewport()->setCursor(Qt::SizeHorCursor);
  else
    m_view->viewport()->unsetCursor();
  return false;
}

bool LrScheduleEditor::onMouseRelease(const QPointF& viewportPos, Qt::MouseButton button) {
  if (button != Qt::LeftButton) return false;
  if (m_dragging) {
    m_dragging = false;
    m_view->viewport()->setCursor(Qt::SizeHorCursor);
    if (m_args != m_argsBeforeDrag) emit argsEdited(m_args);
    return true;
  }
  if (!m_pressedOnPlot) return false;
  m_pressedOnPlot = false;
  bool inPlot = false;
  const int epoch = snapEpoch(epochAt(viewportPos, &inPlot));
  if (inPlot && epoch >= 0) edit(withSteps(steps() + QList<int>{epoch}));
  return true;
}
