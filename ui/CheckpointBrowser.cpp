// CheckpointBrowser: the table, the tabs below it and the epoch actions.
#include "CheckpointBrowser.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QResizeEvent>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>
#include <map>
#include <string>
#include <vector>

#include "ArgsForm.h"
#include "ElidedLabel.h"
#include "EvaluationView.h"
#include "ExperimentIo.h"
#include "ToolTip.h"
#include "TryImagePanel.h"
#include "WheelGuard.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit_config.h"
#include "fitbench/models.h"
#include "fitbench/symbol.h"

namespace {

// A wrapped label that takes the height its text needs at its width without
// reporting height-for-width, so the scroll area around the browser keeps
// fitting the browser to the dock instead of growing it to its preferred height.
class MessageLabel : public QLabel {
 public:
  explicit MessageLabel(QWidget* parent) : QLabel(parent) { setWordWrap(true); }
  bool hasHeightForWidth() const override { return false; }

 protected:
  void resizeEvent(QResizeEvent* event) override {
    QLabel::resizeEvent(event);
    setMinimumHeight(heightForWidth(width()));
  }
};

QString native(const QString& path) { return QDir::toNativeSeparators(path); }

QString fileNameOf(const QString& path) { return QFileInfo(path).fileName(); }

}  // namespace

CheckpointBrowser::CheckpointBrowser(QWidget* parent) : QWidget(parent), m_model(new CheckpointModel(this)) {
  m_openButton = new QPushButton(tr("Open directory…"), this);
  m_openButton->setObjectName(QStringLiteral("openDirectoryButton"));
  m_status = new ElidedLabel(this);
  m_status->setObjectName(QStringLiteral("checkpointStatus"));
  m_status->setElideMode(Qt::ElideMiddle);  // a path keeps its last directories
  // What the last action did or why it failed: whole sentences, wrapped, never elided.
  m_actionLabel = new MessageLabel(this);
  m_actionLabel->setObjectName(QStringLiteral("checkpointActionMessage"));
  m_actionLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_actionLabel->hide();

  m_table = new QTableView(this);
  m_table->setObjectName(QStringLiteral("checkpointTable"));
  m_table->setModel(m_model);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setAlternatingRowColors(true);

  m_summary = new QPlainTextEdit(this);
  m_summary->setObjectName(QStringLiteral("checkpointSummary"));
  m_summary->setReadOnly(true);
  m_summary->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_summary->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_summary->setPlaceholderText(tr("Select an epoch to see its network summary."));

  m_resumeButton = new QPushButton(tr("Resume"), this);
  m_resumeButton->setObjectName(QStringLiteral("resumeButton"));
  m_loadArgsButton = new QPushButton(tr("Load arguments"), this);
  m_loadArgsButton->setObjectName(QStringLiteral("loadArgumentsButton"));
  m_loadArgsButton->setToolTip(tr("Fill the experiment form with this run's config.json."));
  m_deleteButton = new QPushButton(tr("Delete"), this);
  m_deleteButton->setObjectName(QStringLiteral("deleteButton"));
  m_deleteButton->setToolTip(tr("Delete this epoch's .params and .states files."));
  m_evaluateButton = new QPushButton(tr("Evaluate"), this);
  m_evaluateButton->setObjectName(QStringLiteral("evaluateButton"));
  m_evaluateButton->setToolTip(wrappedToolTip(
      tr("Score this epoch on the run's validation data: metrics, per-class accuracy, confusion matrix.")));
  m_branchButton = new QPushButton(tr("Branch…"), this);
  m_branchButton->setObjectName(QStringLiteral("branchButton"));
  m_exportButton = new QPushButton(tr("Export ONNX…"), this);
  m_exportButton->setObjectName(QStringLiteral("exportOnnxButton"));

  m_evaluation = new EvaluationView(this);
  m_tryImage = new TryImagePanel(this);
  m_tabs = new QTabWidget(this);
  m_tabs->setObjectName(QStringLiteral("checkpointTabs"));
  m_tabs->addTab(m_summary, tr("Summary"));
  m_tabs->addTab(m_evaluation, tr("Evaluation"));
  m_tabs->addTab(m_tryImage, tr("Try an image"));

  auto* top = new QHBoxLayout;
  top->addWidget(m_openButton);
  top->addWidget(m_status, 1);

  // Short names (the tooltips say more) in two rows, so a narrow dock holds them.
  auto* actions = new QGridLayout;
  actions->addWidget(m_resumeButton, 0, 0);
  actions->addWidget(m_branchButton, 0, 1);
  actions->addWidget(m_evaluateButton, 0, 2);
  actions->addWidget(m_loadArgsButton, 1, 0);
  actions->addWidget(m_exportButton, 1, 1);
  actions->addWidget(m_deleteButton, 1, 2);
  actions->setColumnStretch(3, 1);

  auto* detailsPane = new QWidget(this);
  auto* detailsLayout = new QVBoxLayout(detailsPane);
  detailsLayout->setContentsMargins(0, 0, 0, 0);
  detailsLayout->addWidget(m_tabs, 1);
  detailsLayout->addLayout(actions);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(m_table);
  splitter->addWidget(detailsPane);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_actionLabel);
  layout->addWidget(splitter, 1);

  connect(m_openButton, &QPushButton::clicked, this, &CheckpointBrowser::openDirectory);
  connect(m_resumeButton, &QPushButton::clicked, this, &CheckpointBrowser::resumeSelected);
  connect(m_loadArgsButton, &QPushButton::clicked, this, &CheckpointBrowser::loadArgumentsOfSelected);
  connect(m_deleteButton, &QPushButton::clicked, this, &CheckpointBrowser::deleteSelected);
  connect(m_evaluateButton, &QPushButton::clicked, this, &CheckpointBrowser::evaluateSelected);
  connect(m_branchButton, &QPushButton::clicked, this, &CheckpointBrowser::branchSelected);
  connect(m_exportButton, &QPushButton::clicked, this, &CheckpointBrowser::exportSelected);
  connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &CheckpointBrowser::onSelectionChanged);
  connect(m_model, &CheckpointModel::loadingChanged, this, &CheckpointBrowser::updateStatus);
  connect(m_model, &CheckpointModel::loaded, this, [this] {
    updateStatus();
    if (m_wantedEpoch) {
      // The prefix's row whose epoch is nearest the one asked for.
      const auto [prefix, epoch] = *std::exchange(m_wantedEpoch, std::nullopt);
      int best = -1;
      for (int row = 0; row < m_model->rowCount(); ++row) {
        const CheckpointEntry& e = m_model->entry(row);
        if (QDir::cleanPath(e.prefix) == QDir::cleanPath(prefix) &&
            (best < 0 || std::abs(e.epoch - epoch) < std::abs(m_model->entry(best).epoch - epoch)))
          best = row;
      }
      if (best >= 0) selectRow(best);
    }
    if (m_model->rowCount() > 0 && selectedRow() < 0) selectRow(m_model->rowCount() - 1);
  });
  // A reset clears the selection; selectionChanged is not emitted for that.
  connect(m_model, &CheckpointModel::modelReset, this, &CheckpointBrowser::onSelectionChanged);

  updateStatus();
  updateActions();
}

CheckpointBrowser::~CheckpointBrowser() = default;

void CheckpointBrowser::setDirectory(const QString& directory) {
  m_actionMessage.clear();
  // An evaluation of another folder's checkpoint is not this list's.
  if (QDir::cleanPath(directory) != QDir::cleanPath(m_model->directory())) m_evaluation->clear();
  m_model->setDirectory(directory);
  updateStatus();
}

void CheckpointBrowser::showNearestEpoch(const QString& directory, const QString& prefix, int epoch) {
  m_wantedEpoch = qMakePair(prefix, epoch);
  if (QDir::cleanPath(directory) == QDir::cleanPath(m_model->directory()))
    refresh();
  else
    setDirectory(directory);
}

void CheckpointBrowser::refresh() {
  m_model->refresh();
  updateStatus();
}

void CheckpointBrowser::openDirectory() {
  const QString directory =
      QFileDialog::getExistingDirectory(this, tr("Open a model-prefix directory"), m_model->directory());
  if (!directory.isEmpty()) setDirectory(directory);
}

void CheckpointBrowser::selectRow(int row) {
  if (row < 0 || row >= m_model->rowCount()) {
    m_table->clearSelection();
    return;
  }
  m_table->selectRow(row);
}

int CheckpointBrowser::selectedRow() const {
  const QModelIndexList rows = m_table->selectionModel()->selectedRows();
  return rows.isEmpty() ? -1 : rows.first().row();
}

const CheckpointEntry* CheckpointBrowser::selectedEntry() const {
  const int row = selectedRow();
  return row < 0 ? nullptr : &m_model->entry(row);
}

QString CheckpointBrowser::summaryText() const { return m_summary->toPlainText(); }

QString CheckpointBrowser::statusText() const {
  return m_actionMessage.isEmpty() ? m_status->text() : m_actionMessage + QLatin1Char('\n') + m_status->text();
}

void CheckpointBrowser::updateStatus() {
  QString text;
  if (m_model->isLoading()) {
    text = tr("Scanning %1…").arg(native(m_model->directory()));
  } else if (m_model->rowCount() == 0) {
    text = m_model->message();
  } else {
    text = tr("%n checkpoint(s) in %1", nullptr, m_model->rowCount()).arg(native(m_model->directory()));
  }
  m_status->setText(text);
  m_actionLabel->setText(m_actionMessage);
  m_actionLabel->setVisible(!m_actionMessage.isEmpty());
}

void CheckpointBrowser::setRunInProgress(bool running) {
  m_runInProgress = running;
  updateActions();
}

void CheckpointBrowser::updateActions() {
  const bool selected = selectedEntry() != nullptr;
  const bool haveArgs = selected && m_details && m_details->args.has_value();
  // Both start a run, and one runs at a time: a paused run is still one.
  const QString busy =
      tr("A run is in progress (paused or not): stop it first, then start another from here.");
  m_resumeButton->setEnabled(haveArgs && !m_runInProgress);
  m_resumeButton->setToolTip(wrappedToolTip(
      m_runInProgress ? busy : tr("Continue the run from this epoch with its optimizer state (--load-epoch).")));
  m_branchButton->setEnabled(haveArgs && !m_runInProgress);
  m_branchButton->setToolTip(wrappedToolTip(
      m_runInProgress ? busy
                      : tr("Start a new run from this epoch with edited arguments, saved under a new "
                           "prefix; the original run's files are left as they are.")));
  m_loadArgsButton->setEnabled(haveArgs);
  m_evaluateButton->setEnabled(haveArgs);
  m_exportButton->setEnabled(haveArgs && !m_exporting);
  m_exportButton->setToolTip(wrappedToolTip(
      m_exporting ? tr("An export is being written.")
      : selected && m_details && !haveArgs
          ? tr("Needs the run's config.json for the input shape and normalisation; fitbench-export takes them "
               "as arguments (--image-shape, --rgb-mean, --rgb-std).")
          : tr("Write this epoch as an ONNX model for ONNX Runtime, TensorRT or OpenVINO (what fitbench-export "
               "does).")));
  m_deleteButton->setEnabled(selected);
}

void CheckpointBrowser::onSelectionChanged() {
  m_details.reset();
  const quint64 generation = ++m_detailsGeneration;
  const CheckpointEntry* entry = selectedEntry();
  if (entry == nullptr) {
    m_detailsLoading = false;
    m_summary->clear();
    m_tryImage->clearCheckpoint();
    updateActions();
    return;
  }
  m_detailsLoading = true;
  m_summary->setPlainText(tr("Reading %1…").arg(native(entry->symbolPath())));
  updateActions();
  auto* watcher = new QFutureWatcher<CheckpointDetails>(this);
  connect(watcher, &QFutureWatcher<CheckpointDetails>::finished, this, [this, watcher, generation] {
    applyDetails(generation, watcher->result());
    watcher->deleteLater();
  });
  watcher->setFuture(
      QtConcurrent::run(&CheckpointBrowser::loadDetails, m_model->directory(), entry->prefix, entry->epoch));
}

void CheckpointBrowser::applyDetails(quint64 generation, const CheckpointDetails& details) {
  if (generation != m_detailsGeneration) return;  // the selection moved on
  m_detailsLoading = false;
  m_details = details;
  m_summary->setPlainText(details.summary);
  m_tryImage->setCheckpoint(details.prefix, details.epoch, details.args, m_model->directory());
  updateActions();
  emit detailsLoaded();
}

CheckpointDetails CheckpointBrowser::loadDetails(const QString& directory, const QString& prefix, int epoch) {
  CheckpointDetails details;
  details.prefix = prefix;
  details.epoch = epoch;

  const QString configPath = QDir(directory).filePath(QStringLiteral("config.json"));
  QString lines;
  if (QFile::exists(configPath)) {
    QString error;
    details.args = ExperimentIo::loadJson(configPath, &error);
    if (!details.args) details.configError = error;
  } else {
    details.configError = tr("No config.json in %1: the run's arguments are unknown.").arg(native(directory));
  }

  // fit()'s data shape: (batch size, sample shape).
  std::vector<int64_t> dims{1};
  std::vector<int> imageShape = fitbench::kDefaultImageShape;
  QString shapeSource = tr("the default, no config.json arguments");
  if (details.args) {
    try {
      const fitbench::FitConfig config = fitbench::FitConfig::resolve(*details.args);
      dims[0] = config.batch_size;
      imageShape = config.sample_shape();
      shapeSource = tr("from %1").arg(native(configPath));
    } catch (const std::exception& e) {
      details.configError = tr("%1: %2").arg(native(configPath), QString::fromUtf8(e.what()));
    }
  }
  dims.insert(dims.end(), imageShape.begin(), imageShape.end());
  const fitbench::Shape shape(dims);

  const QString params =
      QStringLiteral("%1-%2.params").arg(fileNameOf(prefix)).arg(epoch, 4, 10, QLatin1Char('0'));
  lines += tr("Checkpoint %1 (epoch %2)\n").arg(params).arg(epoch);
  if (!details.configError.isEmpty()) lines += details.configError + QLatin1Char('\n');
  lines += tr("Data shape %1 (%2)\n\n").arg(QString::fromStdString(shape.str()), shapeSource);

  const std::string symbolFile = fitbench::symbol_path(prefix.toStdString());
  fitbench::Symbol symbol;
  try {
    symbol = fitbench::Symbol::load(symbolFile);
  } catch (const std::exception& e) {
    details.summary =
        lines + tr("Cannot read the network from %1: %2")
                    .arg(native(QString::fromStdString(symbolFile)), QString::fromUtf8(e.what()));
    return details;
  }
  try {
    details.summary = lines + QString::fromStdString(fitbench::network_summary(symbol, {{"data", shape}}));
  } catch (const std::exception& e) {
    details.summary = lines + tr("Cannot summarize the network of %1 for data shape %2: %3")
                                  .arg(native(QString::fromStdString(symbolFile)),
                                       QString::fromStdString(shape.str()), QString::fromUtf8(e.what()));
  }
  return details;
}

fitbench::FitArgs CheckpointBrowser::resumeArguments(const fitbench::FitArgs& args, const QString& prefix,
                                                     int epoch) {
  fitbench::FitArgs resume = args;
  const std::string complete = fitbench::prefix_of_partial(prefix.toStdString());
  if (complete.empty()) {
    resume.set("model-prefix", prefix.toStdString());
  } else {
    resume.set("model-prefix", complete);
    resume.set("load-prefix", prefix.toStdString());
  }
  resume.set("load-epoch", std::to_string(epoch));
  return resume;
}

void CheckpointBrowser::resumeSelected() {
  const CheckpointEntry* entry = selectedEntry();
  if (entry == nullptr || !m_details || !m_details->args || m_runInProgress) return;
  fitbench::FitArgs args;
  try {
    args = resumeArguments(*m_details->args, entry->prefix, entry->epoch);
  } catch (const std::exception& e) {
    showError(tr("Cannot resume from epoch %1: %2").arg(entry->epoch).arg(QString::fromUtf8(e.what())));
    return;
  }
  emit resumeRequested(args);
}

void CheckpointBrowser::evaluateSelected() {
  const CheckpointEntry* entry = selectedEntry();
  if (entry == nullptr || !m_details || !m_details->args) return;
  m_tabs->setCurrentWidget(m_evaluation);
  m_evaluation->evaluate(entry->prefix, entry->epoch, *m_details->args, m_model->directory());
}

fitbench::FitArgs CheckpointBrowser::branchArguments(const fitbench::FitArgs& args) {
  const fitbench::FitConfig config = fitbench::FitConfig::resolve(args);
  const QFileInfo original(QString::fromStdString(config.model_prefix));
  const QFileInfo runDir(original.absolutePath());
  const QDir parent(runDir.absolutePath());
  const bool loads = config.load_epoch.has_value();
  const QString base =
      loads ? QStringLiteral("%1-branch-e%2").arg(runDir.fileName()).arg(config.begin_epoch()) : runDir.fileName();
  QString name = base;
  for (int n = 2; parent.exists(name); ++n) name = QStringLiteral("%1-%2").arg(base).arg(n);
  fitbench::FitArgs branch = args;
  if (loads) {
    const std::string& from = config.load_prefix;
    const QFileInfo source(from.empty() ? original.filePath() : QString::fromStdString(from));
    branch.set("load-prefix", source.absoluteFilePath().toStdString());
  }
  branch.set("model-prefix", QDir(parent.filePath(name)).filePath(original.fileName()).toStdString());
  branch.unset("run-dir");
  return branch;
}

QString CheckpointBrowser::checkpointDirectory(const QString& runDir, const fitbench::FitConfig& config) {
  // Without --run-dir, fit() makes the prefix's folder the run folder: this
  // one, wherever the working directory was then.
  if (config.model_prefix.empty() || config.run_dir.empty()) return QDir(runDir).absolutePath();
  return QFileInfo(QString::fromStdString(config.model_prefix)).absolutePath();
}

QString CheckpointBrowser::branchConflict(const fitbench::FitArgs& args, const QString& originalDir) {
  const fitbench::FitConfig config = fitbench::FitConfig::resolve(args);
  const QString original = QDir::cleanPath(QFileInfo(originalDir).absoluteFilePath());
  const QString prefix = QString::fromStdString(config.model_prefix);
  if (prefix.isEmpty()) return tr("the branch needs a --model-prefix for its own checkpoints");
  if (QDir::cleanPath(QFileInfo(prefix).absolutePath()) == original)
    return tr("--model-prefix %1 is in the original run's directory; choose one in another directory so the "
              "original's checkpoints, config.json and metrics stay as they are")
        .arg(native(prefix));
  const QString runDir = QString::fromStdString(config.run_dir);
  if (!runDir.isEmpty() && QDir::cleanPath(QFileInfo(runDir).absoluteFilePath()) == original)
    return tr("--run-dir %1 is the original run's directory; clear it or choose another").arg(native(runDir));
  return {};
}

void CheckpointBrowser::branchSelected() {
  const CheckpointEntry* entry = selectedEntry();
  if (entry == nullptr || !m_details || !m_details->args || m_runInProgress) return;
  const int epoch = entry->epoch;
  const QString directory = m_model->directory();  // the dialog's event loop may rescan the table
  fitbench::FitArgs args;
  try {
    args = branchArguments(resumeArguments(*m_details->args, entry->prefix, epoch));
  } catch (const std::exception& e) {
    showError(tr("Cannot branch from epoch %1: %2").arg(epoch).arg(QString::fromUtf8(e.what())));
    return;
  }
  if (!editBranchArguments(args)) return;
  const QString conflict = branchConflict(args, directory);
  if (!conflict.isEmpty()) {
    showError(tr("Cannot branch from epoch %1: %2").arg(epoch).arg(conflict));
    return;
  }
  m_actionMessage.clear();
  updateStatus();
  emit branchRequested(args, directory);
}

bool CheckpointBrowser::editBranchArguments(fitbench::FitArgs& args) {
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Branch a new run"));
  auto* note = new QLabel(tr("The new run loads epoch %1 from --load-prefix and saves under --model-prefix, in its "
                             "own directory. Edit what it should do differently.")
                              .arg(fitbench::FitConfig::resolve(args).begin_epoch()),
                          &dialog);
  note->setWordWrap(true);
  auto* form = new ArgsForm(&dialog);
  form->setArgs(args);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Branch"));
  connect(form, &ArgsForm::validityChanged, buttons->button(QDialogButtonBox::Ok), &QPushButton::setEnabled);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(&dialog);
  layout->addWidget(note);
  layout->addWidget(form, 1);
  layout->addWidget(buttons);
  WheelGuard::install(&dialog);
  dialog.resize(720, 640);
  if (dialog.exec() != QDialog::Accepted) return false;
  args = form->args();
  return true;
}

void CheckpointBrowser::exportSelected() {
  const CheckpointEntry* entry = selectedEntry();
  if (entry == nullptr || !m_details || !m_details->args || m_exporting) return;
  const QString prefix = entry->prefix;
  const int epoch = entry->epoch;
  const std::optional<fitbench::FitArgs> args = m_details->args;
  OnnxExportChoice choice = m_lastExport;  // the options chosen last time, this epoch's file
  choice.path = defaultOnnxPath(prefix, epoch);
  if (!askOnnxExport(choice)) return;
  m_lastExport = choice;
  m_exporting = true;
  m_actionMessage = tr("Exporting epoch %1 to %2…").arg(epoch).arg(native(choice.path));
  updateStatus();
  updateActions();
  auto* watcher = new QFutureWatcher<OnnxExportResult>(this);
  connect(watcher, &QFutureWatcher<OnnxExportResult>::finished, this, [this, watcher] {
    const OnnxExportResult result = watcher->result();
    watcher->deleteLater();
    m_exporting = false;
    m_actionMessage = result.message;
    updateStatus();
    updateActions();
    emit exportFinished(result.ok, result.message);
  });
  watcher->setFuture(QtConcurrent::run(exportToOnnx, prefix, epoch, args, choice));
}

bool CheckpointBrowser::askOnnxExport(OnnxExportChoice& choice) {
  OnnxExportDialog dialog(choice, this);
  if (dialog.exec() != QDialog::Accepted) return false;
  choice = dialog.choice();
  return true;
}

void CheckpointBrowser::loadArgumentsOfSelected() {
  if (selectedEntry() == nullptr || !m_details || !m_details->args) return;
  emit argumentsRequested(*m_details->args);
}

void CheckpointBrowser::deleteSelected() {
  const CheckpointEntry* selected = selectedEntry();
  if (selected == nullptr) return;
  const CheckpointEntry entry = *selected;  // the model resets below
  const bool last = m_model->epochCount(entry.prefix) <= 1;
  QStringList files{entry.paramsPath()};
  if (QFile::exists(entry.statesPath())) files << entry.statesPath();
  // The symbol file goes only with the prefix's last epoch.
  if (last && QFile::exists(entry.symbolPath())) files << entry.symbolPath();
  QStringList names;
  for (const QString& f : files) names << fileNameOf(f);
  const QString question = tr("Delete epoch %1 of %2?\n\nThese files are removed:\n%3")
                               .arg(entry.epoch)
                               .arg(entry.prefixName, names.join(QLatin1Char('\n')));
  if (!confirmDelete(question)) return;

  QStringList failed;
  for (const QString& f : files)
    if (QFile::exists(f) && !QFile::remove(f)) failed << native(f);
  m_actionMessage.clear();
  if (!failed.isEmpty()) showError(tr("Cannot delete %1.").arg(failed.join(QStringLiteral(", "))));
  emit checkpointDeleted(entry.prefix, entry.epoch);
  refresh();
}

bool CheckpointBrowser::confirmDelete(const QString& question) {
  return QMessageBox::question(this, tr("Delete checkpoint"), question, QMessageBox::Yes | QMessageBox::No,
                               QMessageBox::No) == QMessageBox::Yes;
}

void CheckpointBrowser::showError(const QString& message) {
  m_actionMessage = message;
  updateStatus();
}
