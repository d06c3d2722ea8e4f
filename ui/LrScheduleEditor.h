// LrScheduleEditor: the learning rate over epochs for the current arguments,
// drawn from the core's own scheduler (fitbench::learning_rate_schedule, one
// value per update, downsampled for display), with --lr-step-epochs as
// markers on a chart:
//   - a left click on the plot adds a step at the nearest whole epoch
//     (1 .. num-epochs - 1),
//   - dragging a marker moves its step (snapping to whole epochs),
//   - a right click on a marker removes its step;
// a line edit holds --lr-factor. Every edit goes out through argsEdited();
// setArgs() never emits it, so a form that echoes the edit back ends there.
// The poly ("pow<p>" or --lr-scheduler poly), cosine and factor schedules are
// drawn read-only, with a note that says why. While training runs the editor
// is read-only and a second series draws the rate the run actually used.
#pragma once

#include <QList>
#include <QPointF>
#include <QWidget>

#include <cstdint>
#include <vector>

#include "fitbench/fit_args.h"
#include "fitbench/fit_config.h"

class QAbstractAxis;
class QChart;
class QChartView;
class QCheckBox;
class QLabel;
class QLineEdit;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

class LrScheduleEditor : public QWidget {
  Q_OBJECT

 public:
  // The training-set size assumed when --num-examples is None (MNIST's).
  static constexpr int64_t kDefaultNumExamples = 60000;

  explicit LrScheduleEditor(QWidget* parent = nullptr);

  // Shows the schedule of `args`; does nothing when they are the ones shown.
  void setArgs(const fitbench::FitArgs& args);
  const fitbench::FitArgs& args() const { return m_args; }

  // While training runs the markers and --lr-factor cannot be edited.
  void setReadOnly(bool readOnly);
  bool isReadOnly() const { return m_readOnly; }
  // Whether markers can be added, moved and removed: not read-only, and the
  // schedule is one that --lr-step-epochs steps.
  bool stepsEditable() const { return !m_readOnly && m_stepSchedule; }

  void setLogScale(bool logScale);
  bool isLogScale() const { return m_logScale; }

  // The steps drawn as markers (sorted).
  QList<int> markerEpochs() const { return m_markerEpochs; }
  // Batches per epoch the curve is drawn with: ceil(num-examples / batch-size).
  int64_t epochSize() const { return m_epochSize; }

  QChartView* chartView() const { return m_view; }
  QChart* chart() const { return m_chart; }

 public slots:
  // A rate the run used, at the epoch (a real number) where the curve draws
  // that update: update u at load-epoch + (u - 1) / epochSize().
  void addActualLearningRate(double epoch, double lr);
  void addActualLearningRates(const QList<QPointF>& points);
  // Forgets the actual rates (a new run starts).
  void clearActualLearningRate();

 signals:
  // The user changed --lr-step-epochs or --lr-factor; `args` are the shown
  // arguments with that change.
  void argsEdited(const fitbench::FitArgs& args);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void buildUi();
  void addRateAxis();
  void rebuildCurve();
  // The series' points from the data (the axes follow with updateAxes()).
  void updateSeries();
  void updateActualSeries();
  void updateAxes();
  void applyFactorEdit();
  // `steps` as --lr-step-epochs (sorted, unique; None when empty) on the shown arguments.
  fitbench::FitArgs withSteps(QList<int> steps) const;
  QList<int> steps() const;
  // Shows `args` as edited and emits argsEdited().
  void edit(const fitbench::FitArgs& args);

  // Mouse handling on the chart view's viewport.
  bool onMousePress(const QPointF& viewportPos, Qt::MouseButton button);
  bool onMouseMove(const QPointF& viewportPos);
  bool onMouseRelease(const QPointF& viewportPos, Qt::MouseButton button);
  // The epoch under a viewport position; `inPlot` (may be null) says whether
  // it lies in the plot area.
  double epochAt(const QPointF& viewportPos, bool* inPlot) const;
  // The step of the marker within grabbing distance of a viewport position, or -1.
  int markerAt(const QPointF& viewportPos) const;
  // The whole epoch nearest `epoch` where a step may go, or -1 when none may.
  int snapEpoch(double epoch) const;
  // The rate at the first update of `epoch` (after a step there).
  double rateAtEpoch(double epoch) const;

  fitbench::FitArgs m_args;
  QList<int> m_stepEpochs;  // --lr-step-epochs as a list (empty for pow<p>)
  bool m_haveArgs = false;
  bool m_readOnly = false;
  bool m_logScale = false;
  bool m_stepSchedule = false;  // --lr-step-epochs is a list of steps that this schedule uses

  // The schedule: m_rates[u - 1] is the rate of update u, at epoch m_beginEpoch + (u - 1) / m_epochSize.
  std::vector<double> m_rates;
  int64_t m_epochSize = 1;
  int m_beginEpoch = 0;
  int m_numEpochs = 0;
  QList<QPointF> m_curvePoints;  // m_rates downsampled
  QList<int> m_markerEpochs;
  QList<QPointF> m_actualPoints;  // every point reported

  // A drag in progress moves one step: the other steps, the arguments when
  // it began (it redraws as it goes and emits argsEdited() once, at the end).
  bool m_dragging = false;
  QList<int> m_dragOtherSteps;
  fitbench::FitArgs m_argsBeforeDrag;
  bool m_pressedOnPlot = false;  // a left press away from the markers: a click adds a step

  QChart* m_chart = nullptr;
  QChartView* m_view = nullptr;
  QLineSeries* m_curveSeries = nullptr;
  QLineSeries* m_actualSeries = nullptr;
  QScatterSeries* m_markerSeries = nullptr;
  QValueAxis* m_axisEpoch = nullptr;
  QAbstractAxis* m_axisLr = nullptr;  // a QValueAxis, or a QLogValueAxis on log scale
  QLineEdit* m_factorEdit = nullptr;
  QCheckBox* m_logCheck = nullptr;
  QLabel* m_noteLabel = nullptr;
};
