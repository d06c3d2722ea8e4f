#include "QueuePanel.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QFormLayout>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QVBoxLayout>

#include <unistd.h>

#include "RunsModel.h"
#include "ToolTip.h"
#include "fitbench/file_util.h"
#include "fitbench/fit_config.h"

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

const QString kRunSetting = QStringLiteral("queue/run");

enum Column { NameColumn, StateColumn, ArgumentsColumn, MessageColumn, ColumnCount };

}  // namespace

QueuePanel::QueuePanel(QWidget* parent) : QWidget(parent), m_watcher(new QFileSystemWatcher(this)) {
  m_run = new QPushButton(tr("Run queue"), this);
  m_run->setObjectName(QStringLiteral("runQueueButton"));
  m_run->setCheckable(true);
  m_run->setToolTip(wrappedToolTip(
      tr("Train the queued runs one after another (an interrupted one first, from its checkpoint). With two or "
         "more GPUs checked in the Devices dock, a runner process trains one run per GPU at once instead, "
         "outside the window.")));
  m_runnerStatus = new QLabel(this);
  m_runnerStatus->setObjectName(QStringLiteral("queueRunnerStatus"));
  m_runnerStatus->setWordWrap(true);
  m_runnerStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_runnerStatus->hide();
  auto* sweep = new QPushButton(tr("Sweep…"), this);
  sweep->setToolTip(tr("Queue a run for each value of one or two arguments, starting from the form's experiment"));
  m_table = new QTableWidget(0, ColumnCount, this);
  m_table->setObjectName(QStringLiteral("queueTable"));
  m_table->setHorizontalHeaderLabels({tr("Run"), tr("State"), tr("Arguments"), tr("Message")});
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->hide();
  m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
  m_table->setWordWrap(false);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_up = new QPushButton(tr("Up"), this);
  m_down = new QPushButton(tr("Down"), this);
  m_pause = new QPushButton(tr("Pause"), this);
  m_cancel = new QPushButton(tr("Cancel"), this);
  m_retry = new QPushButton(tr("Retry"), this);
  m_remove = new QPushButton(tr("Remove"), this);
  m_pause->setToolTip(tr("Pass over this run until it is resumed"));
  m_retry->setToolTip(tr("Queue an ended run again; a stopped or failed one continues from its last checkpoint"));
  m_remove->setToolTip(tr("Take the entry out of the queue (its run's files stay)"));
  auto* buttons = new QGridLayout;
  const QList<QPushButton*> grid{m_up, m_down, m_pause, m_cancel, m_retry, m_remove};
  for (int i = 0; i < grid.size(); ++i) buttons->addWidget(grid[i], i / 3, i % 3);

  auto* top = new QHBoxLayout;
  top->addWidget(m_run);
  top->addWidget(sweep);
  top->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_runnerStatus);
  layout->addWidget(m_table, 1);
  layout->addLayout(buttons);

  const auto move = [this](int by) {
    const QString id = selectedId();
    const int row = m_table->currentRow();
    const QString error = edit([&](fitbench::RunQueue& q) { q.move(id.toStdString(), static_cast<size_t>(std::max(0, row + by))); });
    if (error.isEmpty()) selectId(id);
  };
  connect(m_up, &QPushButton::clicked, this, [move] { move(-1); });
  connect(m_down, &QPushButton::clicked, this, [move] { move(+1); });
  const auto onSelected = [this](void (fitbench::RunQueue::*change)(const std::string&)) {
    return [this, change] {
      const std::string id = selectedId().toStdString();
      if (const QString error = edit([&](fitbench::RunQueue& q) { (q.*change)(id); }); !error.isEmpty())
        QMessageBox::warning(this, tr("Queue"), error);
    };
  };
  connect(m_pause, &QPushButton::clicked, this, [this, onSelected] {
    const auto it = std::find_if(m_entries.begin(), m_entries.end(),
                                 [&](const fitbench::QueueEntry& e) { return qs(e.id) == selectedId(); });
    const bool paused = it != m_entries.end() && it->state == fitbench::QueueState::Paused;
    onSelected(paused ? &fitbench::RunQueue::resume : &fitbench::RunQueue::pause)();
  });
  connect(m_cancel, &QPushButton::clicked, this, onSelected(&fitbench::RunQueue::cancel));
  connect(m_retry, &QPushButton::clicked, this, onSelected(&fitbench::RunQueue::retry));
  connect(m_remove, &QPushButton::clicked, this, onSelected(&fitbench::RunQueue::remove));
  connect(sweep, &QPushButton::clicked, this, &QueuePanel::askSweep);
  connect(m_run, &QPushButton::toggled, this, [this](bool on) {
    QSettings().setValue(kRunSetting, on);
    emit runRequestedChanged(on);
  });
  connect(m_table, &QTableWidget::itemSelectionChanged, this, &QueuePanel::updateButtons);
  // The file is replaced on every save (an atomic rename): its folder tells.
  connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, &QueuePanel::reload);
  connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &QueuePanel::reload);
  updateButtons();
}

QString QueuePanel::queueFile() const { return qs(fitbench::queue_path(m_workspace.toStdString())); }

void QueuePanel::setWorkspace(const QString& root) {
  if (!m_watcher->directories().isEmpty()) m_watcher->removePaths(m_watcher->directories());
  if (!m_watcher->files().isEmpty()) m_watcher->removePaths(m_watcher->files());
  m_workspace = QDir(root).absolutePath();
  reload();
  // Last: a queue that was running when the application closed runs again.
  const QSignalBlocker quiet(m_run);
  m_run->setChecked(QSettings().value(kRunSetting, false).toBool());
}

void QueuePanel::reload() {
  try {
    m_entries = fitbench::RunQueue::load(queueFile().toStdString()).entries();
  } catch (const std::exception& e) {
    m_entries.clear();
    m_table->setToolTip(QString::fromUtf8(e.what()));
  }
  // Watched once they exist: the folder appears with the first entry.
  if (QFileInfo::exists(m_workspace) && !m_watcher->directories().contains(m_workspace)) m_watcher->addPath(m_workspace);
  if (QFileInfo::exists(queueFile()) && !m_watcher->files().contains(queueFile())) m_watcher->addPath(queueFile());
  showEntries();
  emit queueChanged();
}

QString QueuePanel::stateText(const fitbench::QueueEntry& e) const {
  if (e.state != fitbench::QueueState::Running || e.runner_pid == static_cast<int>(::getpid()))
    return QString::fromLatin1(fitbench::queue_state_name(e.state));
  // Its runner ended without finishing it: the next runner resumes it.
  if (!fitbench::process_is_running(e.runner_pid)) return tr("interrupted");
  if (const auto gpu = m_entryGpus.constFind(qs(e.id)); gpu != m_entryGpus.constEnd())
    return tr("running on GPU %1").arg(*gpu);
  return tr("running elsewhere");
}

void QueuePanel::showEntries() {
  const QString selected = selectedId();
  m_table->setRowCount(static_cast<int>(m_entries.size()));
  for (int row = 0; row < static_cast<int>(m_entries.size()); ++row) {
    const fitbench::QueueEntry& e = m_entries[row];
    const QStringList cells{qs(e.name), stateText(e), RunsModel::changedArgumentsText(e.args), qs(e.message)};
    for (int c = 0; c < ColumnCount; ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      item->setData(Qt::UserRole, qs(e.id));
      if (c == MessageColumn || c == ArgumentsColumn) item->setToolTip(cells[c]);
      m_table->setItem(row, c, item);
    }
  }
  m_table->resizeColumnToContents(NameColumn);
  m_table->resizeColumnToContents(StateColumn);
  selectId(selected);
  updateButtons();
}

QString QueuePanel::selectedId() const {
  const QList<QTableWidgetItem*> items = m_table->selectedItems();
  return items.isEmpty() ? QString() : items.front()->data(Qt::UserRole).toString();
}

void QueuePanel::selectId(const QString& id) {
  for (int row = 0; row < m_table->rowCount(); ++row)
    if (m_table->item(row, 0)->data(Qt::UserRole).toString() == id) {
      m_table->selectRow(row);
      return;
    }
  m_table->clearSelection();
}

void QueuePanel::updateButtons() {
  const QString id = selectedId();
  const auto it = std::find_if(m_entries.begin(), m_entries.end(),
                               [&](const fitbench::QueueEntry& e) { return qs(e.id) == id; });
  const bool any = it != m_entries.end();
  const auto state = any ? it->state : fitbench::QueueState::Queued;
  using S = fitbench::QueueState;
  const bool waiting = any && (state == S::Queued || state == S::Paused);
  m_up->setEnabled(any && m_table->currentRow() > 0);
  m_down->setEnabled(any && m_table->currentRow() + 1 < m_table->rowCount());
  m_pause->setEnabled(waiting);
  m_pause->setText(any && state == S::Paused ? tr("Resume") : tr("Pause"));
  m_cancel->setEnabled(waiting);
  m_retry->setEnabled(any && !waiting && state != S::Running);
  m_remove->setEnabled(any && state != S::Running);
}

QString QueuePanel::edit(const std::function<void(fitbench::RunQueue&)>& change) {
  try {
    fitbench::edit_queue(queueFile().toStdString(), [&](fitbench::RunQueue& q) {
      change(q);
      return true;
    });
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  reload();
  return {};
}

QString QueuePanel::add(const QString& name, const fitbench::FitArgs& args) {
  return edit([&](fitbench::RunQueue& q) { q.add(name.toStdString(), args, m_workspace.toStdString()); });
}

QString QueuePanel::addSweep(const QString& baseName, const fitbench::FitArgs& base, const QStringList& axes) {
  std::vector<std::pair<std::string, fitbench::FitArgs>> runs;
  try {
    std::vector<fitbench::SweepAxis> parsed;
    for (const QString& axis : axes)
      if (!axis.trimmed().isEmpty()) parsed.push_back(fitbench::parse_sweep_axis(axis.trimmed().toStdString()));
    runs = fitbench::expand_sweep(baseName.toStdString(), base, parsed);
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  return edit([&](fitbench::RunQueue& q) {
    for (const auto& [name, args] : runs) q.add(name, args, m_workspace.toStdString());
  });
}

bool QueuePanel::runRequested() const { return m_run->isChecked(); }

void QueuePanel::setRunRequested(bool run) { m_run->setChecked(run); }

bool QueuePanel::hasEntryToRun() const {
  try {
    return fitbench::RunQueue::load(queueFile().toStdString()).next_to_run() != nullptr;
  } catch (const std::exception&) {
    return false;  // the table's tooltip says what is wrong with the file
  }
}

void QueuePanel::showRunnerStatus(const QString& text, const QString& toolTip) {
  m_runnerStatus->setText(text);
  m_runnerStatus->setToolTip(toolTip);
  m_runnerStatus->setVisible(!text.isEmpty());
}

QString QueuePanel::runnerStatus() const { return m_runnerStatus->text(); }

void QueuePanel::setEntryGpu(const QString& id, const QString& gpu) {
  m_entryGpus.insert(id, gpu);
  showEntries();
}

void QueuePanel::clearEntryGpus() {
  m_entryGpus.clear();
  showEntries();
}

std::optional<fitbench::QueueEntry> QueuePanel::claimNext() {
  std::optional<fitbench::QueueEntry> claimed;
  try {
    claimed = fitbench::claim_next_entry(queueFile().toStdString());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Queue"), QString::fromUtf8(e.what()));
  }
  reload();
  return claimed;
}

void QueuePanel::finish(const QString& id, const fitbench::FinishInfo& info) {
  try {
    fitbench::finish_entry(queueFile().toStdString(), id.toStdString(), info);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Queue"), QString::fromUtf8(e.what()));
  }
  reload();
}

bool QueuePanel::askSweep() {
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Sweep"));
  const fitbench::FitArgs base = m_sweepBase();
  auto* name = new QLineEdit(qs(fitbench::FitConfig::resolve(base).network), &dialog);
  auto* first = new QLineEdit(QStringLiteral("lr=0.1,0.05,0.01"), &dialog);
  auto* second = new QLineEdit(&dialog);
  second->setPlaceholderText(QStringLiteral("batch-size=64,128"));
  auto* help = new QLabel(tr("ARGUMENT=VALUES: a list (0.1,0.05) or a range start:stop:step (64:256:64). Every "
                             "combination of the two becomes a run of the form's experiment."),
                          &dialog);
  help->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Queue the runs"));
  auto* form = new QFormLayout(&dialog);
  form->addRow(help);
  form->addRow(tr("Name"), name);
  form->addRow(tr("Argument"), first);
  form->addRow(tr("and"), second);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
    const QString error = addSweep(name->text().trimmed(), base, {first->text(), second->text()});
    if (error.isEmpty())
      dialog.accept();
    else
      QMessageBox::warning(&dialog, tr("Sweep"), error);
  });
  return dialog.exec() == QDialog::Accepted;
}
