#include "KvStoreHelp.h"

#include <QCoreApplication>

const QList<KvStoreHelp::Entry>& KvStoreHelp::all() {
  static const QList<Entry> entries = {
      {QStringLiteral("local"),
       QCoreApplication::translate("KvStoreHelp",
                                   "One process. The gradients of every device are brought to main memory, "
                                   "summed there, and the CPU updates the weights.")},
      {QStringLiteral("device"),
       QCoreApplication::translate("KvStoreHelp",
                                   "One process. The first GPU of --gpus sums the gradients and updates the "
                                   "weights, which are then copied to the other GPUs peer to peer. With one "
                                   "device it trains exactly like local.")},
      {QStringLiteral("nccl"),
       QCoreApplication::translate("KvStoreHelp",
                                   "One process. The GPUs sum their gradients with NCCL's all-reduce, which "
                                   "takes each GPU once (for --gpus 0,0 use device). With one device it trains "
                                   "exactly like local.")},
      {QStringLiteral("dist_sync"),
       QCoreApplication::translate("KvStoreHelp",
                                   "n processes (workers), each training on its own share of the data. After "
                                   "every batch the gradients of all workers are summed and every worker "
                                   "applies the same update, so n workers with batch size b train like local "
                                   "with batch size n×b.")},
      {QStringLiteral("dist_device_sync"),
       QCoreApplication::translate("KvStoreHelp",
                                   "As dist_sync, with the sum formed on a GPU (as device is to local). For "
                                   "now fitbench forms it in main memory, exactly as dist_sync does.")},
      {QStringLiteral("dist_async"),
       QCoreApplication::translate(
           "KvStoreHelp",
           "n processes. Each worker's gradients update the weights kept by a server "
           "as soon as they arrive; no worker waits for the others at a batch, so the "
           "updates apply in the order they come in.")},
  };
  return entries;
}

QString KvStoreHelp::explain(const QString& type) {
  for (const Entry& entry : all()) {
    if (entry.type != type) continue;
    // The dist types run one process per worker: say how to get those.
    if (type.startsWith(QStringLiteral("dist")))
      return entry.explanation + QLatin1Char(' ') +
             QCoreApplication::translate("KvStoreHelp",
                                         "Set Processes next to Start to the number of workers (or run "
                                         "mpirun -np <workers> fitbench-cli).");
    return entry.explanation;
  }
  return {};
}
