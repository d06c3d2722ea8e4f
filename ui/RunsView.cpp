#include "RunsView.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QScatterSeries>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <map>

#include "ElidedLabel.h"
#include "RunsModel.h"
#include "WorkspaceWatcher.h"

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// The table's rows: archived runs only when asked for, and the filter's
// words each found in one of the text columns.
class RunsFilter : public QSortFilterProxyModel {
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;

  void setShowArchived(bool show) {
    m_showArchived = show;
    invalidateFilter();
  }
  void setWords(const QString& text) {
    m_words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    invalidateFilter();
  }

 protected:
  bool filterAcceptsRow(int row, const QModelIndex&) const override {
    const auto* model = static_cast<const RunsModel*>(sourceModel());
    const fitbench::RunSummary* run = model->run(row);
    if (!run || (run->notes.archived && !m_showArchived)) return false;
    QString text;
    for (int c : {RunsModel::NameColumn, RunsModel::StatusColumn, RunsModel::NetworkColumn, RunsModel::ChangedColumn,
                  RunsModel::TagsColumn})
      text += model->index(row, c).data().toString() + QLatin1Char(' ');
    return std::all_of(m_words.begin(), m_words.end(),
                       [&](const QString& w) { return text.contains(w, Qt::CaseInsensitive); });
  }

 private:
  bool m_showArchived = false;
  QStringList m_words;
};

QString csvField(const QString& text) { return qs(fitbench::csv_field(text.toStdString())); }

QString writeText(const QString& path, const QByteArray& bytes) {
  QSaveFile file(path);  // all or nothing: an existing file stays until the new one is complete
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
    return QObject::tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
  return {};
}

}  // namespace

RunsView::RunsView(QWidget* parent)
    : QWidget(parent), m_watcher(new WorkspaceWatcher(this)), m_model(new RunsModel(this)) {
  auto* proxy = new RunsFilter(this);
  proxy->setSourceModel(m_model);
  proxy->setSortRole(RunsModel::SortRole);
  proxy->setDynamicSortFilter(true);
  m_proxy = proxy;

  auto* chooseRoot = new QPushButton(tr("Folder…"), this);
  chooseRoot->setToolTip(tr("Choose the folder whose runs are shown"));
  m_rootLabel = new ElidedLabel(this);
  m_filter = new QLineEdit(this);
  m_filter->setObjectName(QStringLiteral("runsFilter"));
  m_filter->setPlaceholderText(tr("Filter: name, status, network, arguments, tags"));
  m_filter->setClearButtonEnabled(true);
  m_showArchived = new QCheckBox(tr("Archived"), this);
  m_showArchived->setToolTip(tr("Show archived runs too"));
  auto* top = new QHBoxLayout;
  top->addWidget(chooseRoot);
  top->addWidget(m_rootLabel, 1);
  top->addWidget(m_filter, 2);
  top->addWidget(m_showArchived);

  m_table = new QTableView(this);
  m_table->setObjectName(QStringLiteral("runsTable"));
  m_table->setModel(m_proxy);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(RunsModel::StartedColumn, Qt::DescendingOrder);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->setAlternatingRowColors(true);
  m_table->verticalHeader()->hide();
  m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
  m_table->horizontalHeader()->setToolTip(tr("Right-click to choose the columns"));
  for (int c : {RunsModel::BestEpochColumn, RunsModel::TagsColumn}) m_table->hideColumn(c);

  m_overlayButton = new QPushButton(tr("Overlay in charts"), this);
  m_overlayButton->setToolTip(tr("Draw the selected runs' curves in the Training charts, each in its own colour"));
  m_editButton = new QPushButton(tr("Name, tags, note…"), this);
  m_archiveButton = new QPushButton(tr("Archive"), this);
  m_deleteButton = new QPushButton(tr("Delete…"), this);
  auto* exportButton = new QPushButton(tr("Export"), this);
  auto* exportMenu = new QMenu(exportButton);
  exportMenu->addAction(tr("Table as CSV…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the runs table"), QStringLiteral("runs.csv"),
                                                      tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    if (const QString error = exportTable(path); !error.isEmpty()) QMessageBox::warning(this, tr("Export"), error);
  });
  exportMenu->addAction(tr("Selected runs' curves as CSV…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the selected runs' curves"),
                                                      QStringLiteral("curves.csv"), tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    if (const QString error = exportCurves(path); !error.isEmpty()) QMessageBox::warning(this, tr("Export"), error);
  });
  exportButton->setMenu(exportMenu);
  auto* actions = new QHBoxLayout;
  for (QPushButton* b : {m_overlayButton, m_editButton, m_archiveButton, m_deleteButton, exportButton})
    actions->addWidget(b);
  actions->addStretch(1);

  m_differences = new QTableWidget(this);
  m_differences->setObjectName(QStringLiteral("runsDifferences"));
  m_differences->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_differences->setWordWrap(false);
  m_differences->verticalHeader()->setDefaultSectionSize(m_differences->fontMetrics().height() + 6);
  m_branches = new QTreeWidget(this);
  m_branches->setHeaderLabels({tr("Run"), tr("From"), tr("Best accuracy"), tr("Status")});
  buildScatter();
  auto* scatterPage = new QWidget(this);
  auto* scatterLayout = new QVBoxLayout(scatterPage);
  scatterLayout->setContentsMargins(0, 0, 0, 0);
  auto* scatterTop = new QHBoxLayout;
  scatterTop->addWidget(new QLabel(tr("Best accuracy against"), scatterPage));
  scatterTop->addWidget(m_scatterArgument, 1);
  scatterLayout->addLayout(scatterTop);
  scatterLayout->addWidget(m_scatterView, 1);
  m_details = new QTabWidget(this);
  m_details->addTab(m_differences, tr("Differing arguments"));
  m_details->addTab(scatterPage, tr("Accuracy by argument"));
  m_details->addTab(m_branches, tr("Branches"));

  // The table over the details, either shrinking to let the other be seen on a small screen.
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(m_table);
  split->addWidget(m_details);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  split->setChildrenCollapsible(false);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(actions);
  layout->addWidget(split, 1);

  connect(chooseRoot, &QPushButton::clicked, this, &RunsView::chooseWorkspace);
  connect(m_filter, &QLineEdit::textChanged, this, [proxy](const QString& t) { proxy->setWords(t); });
  connect(m_showArchived, &QCheckBox::toggled, this, [proxy](bool on) { proxy->setShowArchived(on); });
  connect(m_table->horizontalHeader(), &QHeaderView::customContextMenuRequested, this, &RunsView::showColumnMenu);
  connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsView::updateSelectionViews);
  connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
    emit runActivated(index.data(RunsModel::DirRole).toString());
  });
  connect(m_overlayButton, &QPushButton::clicked, this, [this] { emit overlayRequested(selectedDirs()); });
  connect(m_editButton, &QPushButton::clicked, this, &RunsView::editSelected);
  connect(m_archiveButton, &QPushButton::clicked, this, [this] {
    const auto runs = selectedRuns();
    const bool archive = std::any_of(runs.begin(), runs.end(), [](auto* r) { return !r->notes.archived; });
    setArchived(selectedDirs(), archive);
  });
  connect(m_deleteButton, &QPushButton::clicked, this, [this] {
    for (const QString& dir : selectedDirs()) deleteRun(dir);
  });
  connect(m_scatterArgument, &QComboBox::currentTextChanged, this, &RunsView::updateScatter);
  connect(m_watcher, &WorkspaceWatcher::runsChanged, this, [this](const QVector<fitbench::RunSummary>& runs) {
    m_model->update(runs);
    updateSelectionViews();
    updateBranches();
  });
  connect(m_watcher, &WorkspaceWatcher::runsRemoved, this, [this](const QStringList& dirs) {
    m_model->remove(dirs);
    updateSelectionViews();
    updateBranches();
  });
  connect(m_watcher, &WorkspaceWatcher::opened, this, [this](const QString& root, int runs, qint64 ms) {
    // Wide enough for what the runs hold, but for the arguments, which have a tooltip.
    m_table->resizeColumnsToContents();
    m_table->setColumnWidth(RunsModel::ChangedColumn,
                            std::min(m_table->columnWidth(RunsModel::ChangedColumn), 24 * m_table->fontMetrics().averageCharWidth()));
    emit workspaceOpened(root, runs, ms);
  });
  connect(m_watcher, &WorkspaceWatcher::failed, this,
          [this](const QString& message) { QMessageBox::warning(this, tr("Runs"), message); });
  updateSelectionViews();
}

void RunsView::buildScatter() {
  m_scatterArgument = new QComboBox(this);
  m_scatterArgument->setObjectName(QStringLiteral("scatterArgument"));
  m_scatterChart = new QChart;
  m_scatterChart->legend()->hide();
  m_scatterChart->setMargins(QMargins(4, 4, 4, 4));
  m_scatterView = new QChartView(m_scatterChart, this);
  m_scatterView->setRenderHint(QPainter::Antialiasing);
}

void RunsView::openWorkspace(const QString& root) {
  m_model->clear();
  m_rootLabel->setText(QDir::toNativeSeparators(QDir::cleanPath(QDir(root).absolutePath())));
  m_rootLabel->setToolTip(m_rootLabel->text());
  m_watcher->open(QDir(root).absolutePath());
}

QString RunsView::workspace() const { return m_watcher->root(); }

void RunsView::chooseWorkspace() {
  const QString root = QFileDialog::getExistingDirectory(this, tr("Runs folder"), workspace());
  if (root.isEmpty()) return;
  openWorkspace(root);
  emit workspaceChosen(root);
}

std::vector<const fitbench::RunSummary*> RunsView::selectedRuns() const {
  std::vector<const fitbench::RunSummary*> runs;
  for (const QString& dir : selectedDirs())
    if (const fitbench::RunSummary* run = m_model->find(dir)) runs.push_back(run);
  return runs;
}

std::vector<const fitbench::RunSummary*> RunsView::visibleRuns() const {
  std::vector<const fitbench::RunSummary*> runs;
  for (int row = 0; row < m_proxy->rowCount(); ++row)
    runs.push_back(m_model->run(m_proxy->mapToSource(m_proxy->index(row, 0)).row()));
  return runs;
}

QStringList RunsView::selectedDirs() const {
  QList<QModelIndex> rows = m_table->selectionModel()->selectedRows();
  std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
  QStringList dirs;
  for (const QModelIndex& index : rows) dirs << index.data(RunsModel::DirRole).toString();
  return dirs;
}

void RunsView::selectDirs(const QStringList& dirs) {
  QItemSelection selection;
  for (int row = 0; row < m_proxy->rowCount(); ++row) {
    const QModelIndex index = m_proxy->index(row, 0);
    if (dirs.contains(index.data(RunsModel::DirRole).toString()))
      selection.select(index, m_proxy->index(row, RunsModel::ColumnCount - 1));
  }
  m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
}

void RunsView::updateSelectionViews() {
  const auto runs = selectedRuns();
  const bool any = !runs.empty();
  m_overlayButton->setEnabled(any);
  m_editButton->setEnabled(runs.size() == 1);
  m_archiveButton->setEnabled(any);
  m_deleteButton->setEnabled(any);
  const bool allArchived =
      any && std::all_of(runs.begin(), runs.end(), [](const fitbench::RunSummary* r) { return r->notes.archived; });
  m_archiveButton->setText(allArchived ? tr("Unarchive") : tr("Archive"));
  updateDifferences(runs);
  updateScatter();
}

// One column per selected run, one row per argument whose value is not the
// same in all of them.
void RunsView::updateDifferences(const std::vector<const fitbench::RunSummary*>& runs) {
  const std::vector<std::string> names = runs.size() > 1 ? fitbench::differing_arguments(runs) : std::vector<std::string>{};
  m_differences->clear();
  m_differences->setColumnCount(static_cast<int>(runs.size()));
  m_differences->setRowCount(static_cast<int>(names.size()));
  QStringList header;
  for (const fitbench::RunSummary* run : runs) header << qs(run->name);
  m_differences->setHorizontalHeaderLabels(header);
  QStringList rows;
  for (const std::string& name : names) rows << QStringLiteral("--") + qs(name);
  m_differences->setVerticalHeaderLabels(rows);
  for (int r = 0; r < static_cast<int>(names.size()); ++r)
    for (int c = 0; c < static_cast<int>(runs.size()); ++c) {
      const auto value = runs[c]->args.raw(names[r]);
      m_differences->setItem(r, c, new QTableWidgetItem(value ? qs(*value) : QStringLiteral("None")));
    }
  m_differences->resizeColumnsToContents();
}

// Best accuracy of the visible runs against one numeric argument that
// differs among them; the selected runs drawn larger.
void RunsView::updateScatter() {
  const auto runs = visibleRuns();
  QStringList numeric;
  for (const std::string& name : fitbench::differing_arguments(runs)) {
    const fitbench::ArgSpec* spec = fitbench::find_arg(name);
    if (spec && spec->type != fitbench::ArgType::String) numeric << qs(name);
  }
  const QString chosen = m_scatterArgument->currentText();
  if (QStringList items; [&] {
        for (int i = 0; i < m_scatterArgument->count(); ++i) items << m_scatterArgument->itemText(i);
        return items != numeric;
      }()) {
    const QSignalBlocker block(m_scatterArgument);
    m_scatterArgument->clear();
    m_scatterArgument->addItems(numeric);
    m_scatterArgument->setCurrentIndex(std::max(0, static_cast<int>(numeric.indexOf(chosen))));
  }
  m_scatterChart->removeAllSeries();
  for (QAbstractAxis* axis : m_scatterChart->axes()) m_scatterChart->removeAxis(axis);
  const QString argument = m_scatterArgument->currentText();
  if (argument.isEmpty()) return;
  const QStringList selected = selectedDirs();
  auto* all = new QScatterSeries;
  auto* picked = new QScatterSeries;
  all->setMarkerSize(8);
  picked->setMarkerSize(13);
  double lo = 0, hi = 0;
  bool first = true;
  for (const fitbench::RunSummary* run : runs) {
    const auto value = run->args.raw(argument.toStdString());
    if (!run->best_accuracy || !value) continue;
    const double x = QString::fromStdString(*value).toDouble();
    (selected.contains(qs(run->dir)) ? picked : all)->append(x, *run->best_accuracy);
    lo = first ? x : std::min(lo, x);
    hi = first ? x : std::max(hi, x);
    first = false;
  }
  m_scatterChart->addSeries(all);
  m_scatterChart->addSeries(picked);
  auto* xAxis = new QValueAxis;
  xAxis->setTitleText(QStringLiteral("--") + argument);
  const double pad = hi > lo ? (hi - lo) * 0.08 : std::max(1e-3, std::abs(lo) * 0.1);
  xAxis->setRange(lo - pad, hi + pad);
  auto* yAxis = new QValueAxis;
  yAxis->setTitleText(tr("best validation accuracy"));
  m_scatterChart->addAxis(xAxis, Qt::AlignBottom);
  m_scatterChart->addAxis(yAxis, Qt::AlignLeft);
  for (QScatterSeries* s : {all, picked}) {
    s->attachAxis(xAxis);
    s->attachAxis(yAxis);
  }
  double ylo = 1, yhi = 0;
  for (QScatterSeries* s : {all, picked})
    for (const QPointF& p : s->points()) ylo = std::min(ylo, p.y()), yhi = std::max(yhi, p.y());
  if (ylo <= yhi) yAxis->setRange(std::max(0.0, ylo - 0.02), std::min(1.0, yhi + 0.02));
}

// Runs under the run they were loaded from, "from epoch N".
void RunsView::updateBranches() {
  m_branches->clear();
  std::map<std::string, QTreeWidgetItem*> items;
  const auto runs = m_model->runs();
  for (const fitbench::RunSummary* run : runs) {
    auto* item = new QTreeWidgetItem({qs(run->name), QString(),
                                      run->best_accuracy ? QString::number(*run->best_accuracy, 'f', 4) : QString(),
                                      RunsModel::statusText(run->status)});
    if (!run->parent_dir.empty()) item->setText(1, tr("epoch %1").arg(run->parent_epoch));
    items[run->dir] = item;
  }
  for (const fitbench::RunSummary* run : runs) {
    const auto parent = items.find(run->parent_dir);
    if (parent != items.end())
      parent->second->addChild(items[run->dir]);
    else
      m_branches->addTopLevelItem(items[run->dir]);
  }
  m_branches->expandAll();
  m_branches->resizeColumnToContents(0);
}

void RunsView::showColumnMenu(const QPoint& at) {
  QMenu menu(this);
  for (int c = 0; c < RunsModel::ColumnCount; ++c) {
    QAction* action = menu.addAction(m_model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    action->setCheckable(true);
    action->setChecked(!m_table->isColumnHidden(c));
    action->setEnabled(c != RunsModel::NameColumn);
    connect(action, &QAction::toggled, this, [this, c](bool on) { m_table->setColumnHidden(c, !on); });
  }
  menu.exec(m_table->horizontalHeader()->mapToGlobal(at));
}

void RunsView::editSelected() {
  const auto runs = selectedRuns();
  if (runs.size() != 1) return;
  const fitbench::RunSummary& run = *runs.front();
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Run %1").arg(QFileInfo(qs(run.dir)).fileName()));
  auto* name = new QLineEdit(qs(run.notes.name), &dialog);
  name->setPlaceholderText(QFileInfo(qs(run.dir)).fileName());
  QStringList tagList;
  for (const std::string& t : run.notes.tags) tagList << qs(t);
  auto* tags = new QLineEdit(tagList.join(QStringLiteral(", ")), &dialog);
  tags->setPlaceholderText(tr("comma-separated"));
  auto* note = new QPlainTextEdit(qs(run.notes.note), &dialog);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  auto* form = new QFormLayout(&dialog);
  form->addRow(tr("Name"), name);
  form->addRow(tr("Tags"), tags);
  form->addRow(tr("Note"), note);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  fitbench::RunNotes notes = run.notes;
  notes.name = name->text().trimmed().toStdString();
  notes.tags.clear();
  for (const QString& t : tags->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
    if (!t.trimmed().isEmpty()) notes.tags.push_back(t.trimmed().toStdString());
  notes.note = note->toPlainText().toStdString();
  setNotes(qs(run.dir), notes);
}

void RunsView::setNotes(const QString& dir, const fitbench::RunNotes& notes) { m_watcher->setNotes(dir, notes); }

void RunsView::setArchived(const QStringList& dirs, bool archived) {
  for (const QString& dir : dirs)
    if (const fitbench::RunSummary* run = m_model->find(dir)) {
      fitbench::RunNotes notes = run->notes;
      notes.archived = archived;
      setNotes(dir, notes);
    }
}

void RunsView::deleteRun(const QString& dir) {
  const fitbench::RunSummary* run = m_model->find(dir);
  if (!run) return;
  if (run->status == fitbench::RunStatus::Running) {
    QMessageBox::information(this, tr("Delete"), tr("%1 is training: stop it first.").arg(qs(run->name)));
    return;
  }
  QStringList files;
  for (const std::string& f : fitbench::run_files(*run, m_model->runs())) files << QDir::toNativeSeparators(qs(f));
  if (confirmDelete(qs(run->name), files)) m_watcher->remove(dir);
}

bool RunsView::confirmDelete(const QString& name, const QStringList& files) {
  QMessageBox box(QMessageBox::Warning, tr("Delete run"),
                  tr("Delete the run %1 and its %n file(s)? This cannot be undone.", nullptr, files.size()).arg(name),
                  QMessageBox::Cancel, this);
  box.setDetailedText(files.join(QLatin1Char('\n')));
  box.addButton(tr("Delete"), QMessageBox::DestructiveRole);
  box.setDefaultButton(QMessageBox::Cancel);
  return box.exec() != QMessageBox::Cancel;
}

QString RunsView::exportTable(const QString& path) const {
  QList<int> columns;
  for (int c = 0; c < RunsModel::ColumnCount; ++c)
    if (!m_table->isColumnHidden(c)) columns << c;
  QStringList lines;
  QStringList header{QStringLiteral("dir")};
  for (int c : columns) header << csvField(m_model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
  lines << header.join(QLatin1Char(','));
  for (int row = 0; row < m_proxy->rowCount(); ++row) {
    QStringList fields{csvField(m_proxy->index(row, 0).data(RunsModel::DirRole).toString())};
    for (int c : columns) fields << csvField(m_proxy->index(row, c).data().toString());
    lines << fields.join(QLatin1Char(','));
  }
  return writeText(path, (lines.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8());
}

QString RunsView::exportCurves(const QString& path) const {
  try {
    return writeText(path, QByteArray::fromStdString(fitbench::curves_csv(selectedRuns())));
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
}
