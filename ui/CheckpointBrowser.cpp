#include "CheckpointBrowser.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>
#include <map>
#include <string>
#include <vector>

#include "ExperimentIo.h"
#include "fitbench/checkpoint.h"
#include "fitbench/models.h"
#include "fitbench/symbol.h"

namespace {

QString native(const QString& path) { return QDir::toNativeSeparators(path); }

QString fileNameOf(const QString& path) { return QFileInfo(path).fileName(); }

}  // namespace

CheckpointBrowser::CheckpointBrowser(QWidget* parent) : QWidget(parent), m_model(new CheckpointModel(this)) {
  m_openButton = new QPushButton(tr("Open directory…"), this);
  m_openButton->setObjectName(QStringLiteral("openDirectoryButton"));
  m_status = new QLabel(this);
  m_status->setObjectName(QStringLiteral("checkpointStatus"));
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

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

  m_resumeButton = new QPushButton(tr("Resume from this epoch"), this);
  m_resumeButton->setObjectName(QStringLiteral("resumeButton"));
  m_resumeButton->setToolTip(tr("Continue the run from this epoch with its optimizer state (--load-epoch)."));
  m_loadArgsButton = new QPushButton(tr("Load arguments"), this);
  m_loadArgsButton->setObjectName(QStringLiteral("loadArgumentsButton"));
  m_loadArgsButton->setToolTip(tr("Fill the experiment form with this run's config.json."));
  m_deleteButton = new QPushButton(tr("Delete"), this);
  m_deleteButton->setObjectName(QStringLiteral("deleteButton"));
  m_deleteButton->setToolTip(tr("Delete this epoch's .params and .states files."));

  auto* top = new QHBoxLayout;
  top->addWidget(m_openButton);
  top->addWidget(m_status, 1);

  auto* actions = new QHBoxLayout;
  actions->addWidget(m_resumeButton);
  actions->addWidget(m_loadArgsButton);
  actions->addStretch(1);
  actions->addWidget(m_deleteButton);

  auto* detailsPane = new QWidget(this);
  auto* detailsLayout = new QVBoxLayout(detailsPane);
  detailsLayout->setContentsMargins(0, 0, 0, 0);
  detailsLayout->addWidget(m_summary, 1);
  detailsLayout->addLayout(actions);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(m_table);
  splitter->addWidget(detailsPane);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(splitter, 1);

  connect(m_openButton, &QPushButton::clicked, this, &CheckpointBrowser::openDirectory);
  connect(m_resumeButton, &QPushButton::clicked, this, &CheckpointBrowser::resumeSelected);
  connect(m_loadArgsButton, &QPushButton::clicked, this, &CheckpointBrowser::loadArgumentsOfSelected);
  connect(m_deleteButton, &QPushButton::clicked, this, &CheckpointBrowser::deleteSelected);
  connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &CheckpointBrowser::onSelectionChanged);
  connect(m_model, &CheckpointModel::loadingChanged, this, &CheckpointBrowser::updateStatus);
  connect(m_model, &CheckpointModel::loaded, this, [this] {
    updateStatus();
    if (m_model->rowCount() > 0 && selectedRow() < 0) selectRow(m_model->rowCount() - 1);
  });
  // A reset clears the selection; selectionChanged is not emitted for that.
  connect(m_model, &CheckpointModel::modelReset, this, &CheckpointBrowser::onSelectionChanged);

  updateStatus();
  updateActions();
}

CheckpointBrowser::~CheckpointBrowser() = default;

void CheckpointBrowser::setDirectory(const QString& directory) {
  m_error.clear();
  m_model->setDirectory(directory);
  updateStatus();
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

QString CheckpointBrowser::statusText() const { return m_status->text(); }

void CheckpointBrowser::updateStatus() {
  QString text;
  if (m_model->isLoading()) {
    text = tr("Scanning %1…").arg(native(m_model->directory()));
  } else if (m_model->rowCount() == 0) {
    text = m_model->message();
  } else {
    text = tr("%n checkpoint(s) in %1", nullptr, m_model->rowCount()).arg(native(m_model->directory()));
  }
  if (!m_error.isEmpty()) text = m_error + QLatin1Char('\n') + text;
  m_status->setText(text);
}

void CheckpointBrowser::updateActions() {
  const bool selected = selectedEntry() != nullptr;
  const bool haveArgs = selected && m_details && m_details->args.has_value();
  m_resumeButton->setEnabled(haveArgs);
  m_loadArgsButton->setEnabled(haveArgs);
  m_deleteButton->setEnabled(selected);
}

void CheckpointBrowser::onSelectionChanged() {
  m_details.reset();
  const quint64 generation = ++m_detailsGeneration;
  const CheckpointEntry* entry = selectedEntry();
  if (entry == nullptr) {
    m_detailsLoading = false;
    m_summary->clear();
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

  // fit()'s data shape: (batch-size, image-shape), image-shape 1,28,28 when unset.
  std::vector<int64_t> dims{1};
  std::vector<int> imageShape{1, 28, 28};
  QString shapeSource = tr("the default, no config.json arguments");
  if (details.args) {
    try {
      dims[0] = details.args->get_int("batch-size");
      if (details.args->is_set("image-shape")) imageShape = details.args->get_int_list("image-shape");
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

void CheckpointBrowser::resumeSelected() {
  const CheckpointEntry* entry = selectedEntry();
  if (entry == nullptr || !m_details || !m_details->args) return;
  fitbench::FitArgs args = *m_details->args;
  try {
    args.set("model-prefix", entry->prefix.toStdString());
    args.set("load-epoch", std::to_string(entry->epoch));
  } catch (const std::exception& e) {
    showError(tr("Cannot resume from epoch %1: %2").arg(entry->epoch).arg(QString::fromUtf8(e.what())));
    return;
  }
  emit resumeRequested(args);
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
  m_error.clear();
  if (!failed.isEmpty()) showError(tr("Cannot delete %1.").arg(failed.join(QStringLiteral(", "))));
  emit checkpointDeleted(entry.prefix, entry.epoch);
  refresh();
}

bool CheckpointBrowser::confirmDelete(const QString& question) {
  return QMessageBox::question(this, tr("Delete checkpoint"), question, QMessageBox::Yes | QMessageBox::No,
                               QMessageBox::No) == QMessageBox::Yes;
}

void CheckpointBrowser::showError(const QString& message) {
  m_error = message;
  updateStatus();
}
