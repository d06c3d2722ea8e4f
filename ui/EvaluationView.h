// EvaluationView: scores one checkpoint on its run's validation data
// (fitbench::evaluate on a worker thread, with a progress bar and Cancel) and
// shows what came out: the metrics, samples/s and per-class accuracy as text,
// the confusion matrix (ConfusionMatrixModel in a QTableView), and under it
// the misclassified samples of the cell last clicked (MisclassifiedGrid).
//
// The data is what make_val_data builds from the run's config.json
// (--data-val, --image-shape, --batch-size, ...); a run without validation
// data gets a message that says so. evaluate() keeps the inputs of up to
// kImagesPerCell samples per cell (kImagesMaxBytes in all), so the grid
// never reads the data again.
#pragma once

#include <QFutureWatcher>
#include <QString>
#include <QWidget>

#include <atomic>
#include <functional>
#include <memory>

#include "RunClassNames.h"
#include "fitbench/evaluate.h"
#include "fitbench/fit_args.h"

class ConfusionMatrixModel;
class MisclassifiedGrid;
class ElidedLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTableView;

// What the worker hands back.
struct EvaluationOutcome {
  std::shared_ptr<const fitbench::EvaluateResult> result;  // null on error or cancel
  RunClassNames classes;
  QString title;  // "lenet-0002.params on <data>"
  QString error;  // why there is no result
};

class EvaluationView : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kImagesPerCell = 32;
  static constexpr qint64 kImagesMaxBytes = qint64{256} << 20;

  explicit EvaluationView(QWidget* parent = nullptr);
  // Cancels a running evaluation and waits for its thread.
  ~EvaluationView() override;

  // Scores epoch `epoch` of `prefix` with the run's arguments; a running
  // evaluation is cancelled first.
  void evaluate(const QString& prefix, int epoch, const fitbench::FitArgs& args, const QString& runDir);
  bool isRunning() const { return m_watcher != nullptr; }
  // Back to the view before any evaluation: another run's checkpoints are listed.
  void clear();

  // The last result (null before one, after an error or a cancel).
  const fitbench::EvaluateResult* result() const { return m_result.get(); }
  ConfusionMatrixModel* model() const { return m_model; }
  QTableView* matrixView() const { return m_matrix; }
  MisclassifiedGrid* grid() const { return m_grid; }
  QString summaryText() const;
  QString statusText() const;

  // Shows the samples of one cell in the grid (what a click does).
  void showCell(int trueClass, int predictedClass);

  // Synchronous: what the worker runs. `progress` gets (batches done, batches).
  static EvaluationOutcome run(const QString& prefix, int epoch, const fitbench::FitArgs& args, const QString& runDir,
                               const std::atomic<bool>* stop,
                               const std::function<void(qint64, qint64)>& progress);

 public slots:
  void cancel();

 signals:
  // An evaluation ended: with a result, an error or cancelled.
  void finished();

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  static constexpr int kSideBySideWidth = 600;  // narrower: the summary above the matrix
  static QString noEvaluationText() {
    return tr("Select an epoch and press Evaluate to score it on the run's validation data.");
  }
  void applyOutcome(const EvaluationOutcome& outcome);
  void setRunning(bool running);

  ElidedLabel* m_status = nullptr;
  QProgressBar* m_progress = nullptr;
  QPushButton* m_cancel = nullptr;
  QPlainTextEdit* m_summary = nullptr;
  QSplitter* m_results = nullptr;  // the summary beside (or above) the matrix and its samples
  ConfusionMatrixModel* m_model = nullptr;
  QTableView* m_matrix = nullptr;
  MisclassifiedGrid* m_grid = nullptr;
  // The running evaluation's watcher and stop flag (null when idle); a
  // cancelled one's thread finishes on its own after its current batch.
  QFutureWatcher<EvaluationOutcome>* m_watcher = nullptr;
  std::shared_ptr<std::atomic<bool>> m_stop;
  std::shared_ptr<const fitbench::EvaluateResult> m_result;
  RunClassNames m_classes;
};
