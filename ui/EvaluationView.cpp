// EvaluationView: the evaluation worker and the views of its result.
#include "EvaluationView.h"

#include <QDir>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPromise>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>
#include <exception>

#include "ConfusionMatrixModel.h"
#include "ElidedLabel.h"
#include "MisclassifiedGrid.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit_config.h"
#include "fitbench/fit_data.h"

EvaluationView::EvaluationView(QWidget* parent) : QWidget(parent), m_model(new ConfusionMatrixModel(this)) {
  m_status = new ElidedLabel(noEvaluationText(), this);
  m_status->setObjectName(QStringLiteral("evaluationStatus"));
  m_progress = new QProgressBar(this);
  m_progress->setObjectName(QStringLiteral("evaluationProgress"));
  m_cancel = new QPushButton(tr("Cancel"), this);
  m_cancel->setObjectName(QStringLiteral("cancelEvaluationButton"));

  m_summary = new QPlainTextEdit(this);
  m_summary->setObjectName(QStringLiteral("evaluationSummary"));
  m_summary->setReadOnly(true);
  m_summary->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_summary->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

  m_matrix = new QTableView(this);
  m_matrix->setObjectName(QStringLiteral("confusionMatrix"));
  m_matrix->setModel(m_model);
  m_matrix->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_matrix->setSelectionMode(QAbstractItemView::SingleSelection);
  m_matrix->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_matrix->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_matrix->setToolTip(tr("Rows: true class. Columns: predicted class. Click a cell off the diagonal to see its samples."));

  m_grid = new MisclassifiedGrid(this);

  auto* progressRow = new QHBoxLayout;
  progressRow->addWidget(m_progress, 1);
  progressRow->addWidget(m_cancel);

  m_results = new QSplitter(Qt::Horizontal, this);
  m_results->setObjectName(QStringLiteral("evaluationResults"));
  m_results->addWidget(m_summary);
  auto* right = new QSplitter(Qt::Vertical, m_results);
  right->addWidget(m_matrix);
  right->addWidget(m_grid);
  m_results->addWidget(right);
  m_results->setStretchFactor(0, 1);
  m_results->setStretchFactor(1, 2);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_status);
  layout->addLayout(progressRow);
  layout->addWidget(m_results, 1);

  connect(m_cancel, &QPushButton::clicked, this, &EvaluationView::cancel);
  connect(m_matrix, &QTableView::clicked, this,
          [this](const QModelIndex& index) { showCell(index.row(), index.column()); });
  setRunning(false);
}

// In a narrow dock the summary goes above the matrix, each the dock's width,
// instead of three columns too narrow for a number.
void EvaluationView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  m_results->setOrientation(width() < kSideBySideWidth ? Qt::Vertical : Qt::Horizontal);
}

EvaluationView::~EvaluationView() {
  if (m_watcher == nullptr) return;
  m_stop->store(true);
  m_watcher->waitForFinished();
}

void EvaluationView::setRunning(bool running) {
  m_progress->setVisible(running);
  m_cancel->setVisible(running);
  m_cancel->setEnabled(running);
}

void EvaluationView::clear() {
  cancel();
  m_result.reset();
  m_model->clear();
  m_summary->clear();
  m_grid->showMessage(tr("Click a cell off the diagonal to see the samples it holds."));
  m_status->setText(noEvaluationText());
}

void EvaluationView::evaluate(const QString& prefix, int epoch, const fitbench::FitArgs& args,
                              const QString& runDir) {
  clear();
  m_status->setText(tr("Evaluating epoch %1 of %2…").arg(epoch).arg(QFileInfo(prefix).fileName()));
  m_progress->setRange(0, 0);  // busy until the first batch reports the count
  m_progress->setValue(0);
  setRunning(true);

  auto stop = std::make_shared<std::atomic<bool>>(false);
  auto* watcher = new QFutureWatcher<EvaluationOutcome>(this);
  m_watcher = watcher;
  m_stop = stop;
  connect(watcher, &QFutureWatcher<EvaluationOutcome>::progressRangeChanged, m_progress, &QProgressBar::setRange);
  connect(watcher, &QFutureWatcher<EvaluationOutcome>::progressValueChanged, m_progress, &QProgressBar::setValue);
  connect(watcher, &QFutureWatcher<EvaluationOutcome>::finished, this, [this, watcher] {
    watcher->deleteLater();
    if (watcher != m_watcher) return;  // cancelled and replaced
    m_watcher = nullptr;
    applyOutcome(watcher->result());
  });
  watcher->setFuture(QtConcurrent::run(
      [prefix, epoch, args, runDir, stop](QPromise<EvaluationOutcome>& promise) {
        promise.addResult(run(prefix, epoch, args, runDir, stop.get(), [&promise](qint64 done, qint64 total) {
          promise.setProgressRange(0, static_cast<int>(total));
          promise.setProgressValue(static_cast<int>(done));
        }));
      }));
}

void EvaluationView::cancel() {
  if (m_watcher == nullptr) return;
  m_stop->store(true);
  m_watcher = nullptr;  // its result, when it comes, is dropped
  m_stop.reset();
  setRunning(false);
  m_status->setText(tr("Evaluation cancelled."));
  emit finished();
}

EvaluationOutcome EvaluationView::run(const QString& prefix, int epoch, const fitbench::FitArgs& args,
                                      const QString& runDir, const std::atomic<bool>* stop,
                                      const std::function<void(qint64, qint64)>& progress) {
  EvaluationOutcome outcome;
  const QString params = QString::fromStdString(fitbench::params_path(prefix.toStdString(), epoch));
  try {
    const fitbench::FitConfig config = fitbench::FitConfig::resolve(args);
    auto data = fitbench::make_val_data(config);
    if (!data) {
      outcome.error = tr("The run has no validation data: its config.json gives --data-train without --data-val. "
                         "Load its arguments, set --data-val and train or score from there.");
      return outcome;
    }
    const fitbench::Checkpoint model = fitbench::load_checkpoint(prefix.toStdString(), epoch);
    fitbench::EvaluateOptions options;
    // The run's own metrics (accuracy, top-k when it asked for k > 1) and the cross-entropy.
    options.metrics = {"accuracy", "ce"};
    if (config.top_k > 1) {
      options.metrics.insert(options.metrics.begin() + 1, "top_k_accuracy");
      options.top_k = config.top_k;
    }
    options.num_classes = config.num_classes.value_or(0);
    options.params_source = params.toStdString();
    options.stop = stop;
    options.progress = [&progress](int64_t done, int64_t total) { progress(done, total); };
    options.keep_images_per_cell = kImagesPerCell;
    options.keep_images_max_bytes = kImagesMaxBytes;
    auto result = std::make_shared<fitbench::EvaluateResult>(fitbench::evaluate(model, *data, options));
    if (result->stopped) {
      outcome.error = tr("Evaluation cancelled.");
      return outcome;
    }
    outcome.classes = RunClassNames::find(runDir, config);
    const std::string& val = config.data_val;
    outcome.title = tr("%1 on %2")
                        .arg(QFileInfo(params).fileName(),
                             val.empty() ? tr("the default Fashion-MNIST test set")
                                         : QDir::toNativeSeparators(QString::fromStdString(val)));
    outcome.result = std::move(result);
  } catch (const std::exception& e) {
    outcome.error = tr("Cannot evaluate %1: %2").arg(QDir::toNativeSeparators(params), QString::fromUtf8(e.what()));
  }
  return outcome;
}

void EvaluationView::applyOutcome(const EvaluationOutcome& outcome) {
  setRunning(false);
  if (!outcome.result) {
    m_status->setText(outcome.error);
    emit finished();
    return;
  }
  m_result = outcome.result;
  m_classes = outcome.classes;
  const fitbench::EvaluateResult& r = *m_result;
  m_status->setText(tr("%1: %2 samples, %3 samples/s").arg(outcome.title).arg(r.num_samples).arg(r.samples_per_sec, 0, 'f', 1));

  QString text;
  for (const auto& [name, value] : r.metrics)
    text += QStringLiteral("%1 = %2\n").arg(QString::fromStdString(name)).arg(value, 0, 'f', 6);
  text += tr("%1 samples in %2 s (%3 samples/s)\n%4\n\n")
              .arg(r.num_samples)
              .arg(r.seconds, 0, 'f', 3)
              .arg(r.samples_per_sec, 0, 'f', 1)
              .arg(m_classes.source());
  text += tr("Per-class accuracy\n");
  QStringList labels;
  for (int c = 0; c < r.num_classes; ++c) {
    labels << m_classes.label(c);
    const double accuracy = r.per_class_accuracy[static_cast<size_t>(c)];
    text += QStringLiteral("%1  %2  (%3 samples)\n")
                .arg(std::isnan(accuracy) ? QStringLiteral("   -  ") : QString::number(accuracy, 'f', 4), -6)
                .arg(labels.last())
                .arg(r.class_counts[static_cast<size_t>(c)]);
  }
  m_summary->setPlainText(text);
  m_model->setMatrix(r.confusion, labels);
  emit finished();
}

void EvaluationView::showCell(int trueClass, int predictedClass) {
  if (!m_result || trueClass < 0 || predictedClass < 0 || trueClass >= m_result->num_classes ||
      predictedClass >= m_result->num_classes)
    return;
  const QString title = tr("True %1, predicted %2").arg(m_classes.label(trueClass), m_classes.label(predictedClass));
  if (trueClass == predictedClass) {
    m_grid->showMessage(tr("%1: correct predictions; click a cell off the diagonal to see misclassified samples.")
                            .arg(title));
    return;
  }
  const auto t = static_cast<size_t>(trueClass), p = static_cast<size_t>(predictedClass);
  m_grid->setCell(title, m_result->misclassified[t][p], m_result->misclassified_images[t][p]);
}

QString EvaluationView::summaryText() const { return m_summary->toPlainText(); }

QString EvaluationView::statusText() const { return m_status->text(); }
