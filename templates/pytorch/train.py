"""Continue training an exported nnt network with PyTorch, on one or many processes.

    torchrun --nproc_per_node 2 train.py --epochs 1                 # 2 CPU processes (gloo)
    torchrun --nnodes 2 --nproc_per_node 8 --rdzv_endpoint HOST:29500 train.py   # many machines

Each process trains on its share of every epoch (DistributedSampler) and
DistributedDataParallel averages the gradients, so the global batch is the config's
batchSize (batchSize / processes each). GPUs are used when there are (nccl), else gloo on CPU.
Rank 0 writes the result as safetensors under nnt's names, with the config in __metadata__:

    nnt import trained.safetensors --out trained.json && nnt eval trained.json
"""
import argparse
import json
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

import model as M


def make_optimizer(training, net):
    """nnt's optimizer and L2 weight decay (on the affine and conv weights only, as nnt)."""
    decays = lambda name, p: name.endswith("weight") and p.dim() >= 2  # not batch norm's γ
    decay = [p for name, p in net.named_parameters() if decays(name, p)]
    other = [p for name, p in net.named_parameters() if not decays(name, p)]
    groups = [{"params": decay, "weight_decay": training.get("weightDecay", 0)}, {"params": other, "weight_decay": 0}]
    o, lr = training["optimizer"], training["learningRate"]
    kind = o["type"]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=lr)
    if kind in ("momentum", "nesterov"):
        return torch.optim.SGD(groups, lr=lr, momentum=o.get("momentum", 0.9), nesterov=kind == "nesterov")
    if kind == "adagrad":
        return torch.optim.Adagrad(groups, lr=lr, eps=o.get("eps", 1e-7))
    if kind == "rmsprop":
        return torch.optim.RMSprop(groups, lr=lr, alpha=o.get("decay", 0.99), eps=o.get("eps", 1e-7))
    if kind == "adam":
        return torch.optim.Adam(groups, lr=lr, betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)), eps=o.get("eps", 1e-8))
    raise SystemExit("train.py: optimizer %r is not supported" % kind)


def mean_loss(net, x, y, device, batch=1000):
    """Cross-entropy over a whole set in eval mode (no dropout, running statistics)."""
    net.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            total += float(F.cross_entropy(net(x[i:i + batch].to(device)), y[i:i + batch].to(device), reduction="sum"))
    return total / len(y)


def accuracy(net, x, y, device):
    net.eval()
    with torch.no_grad():
        return int((net(x.to(device)).argmax(dim=1).cpu() == y).sum())


def main():
    parser = argparse.ArgumentParser(description="continue training the exported nnt network with DistributedDataParallel")
    parser.add_argument("--epochs", type=int, help="default: the config's training.epochs (or 1)")
    parser.add_argument("--lr", type=float, help="default: the config's learningRate")
    parser.add_argument("--limit", type=int, help="train on the first N training samples only")
    parser.add_argument("--out", default="trained.safetensors")
    args = parser.parse_args()

    use_cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if use_cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if use_cuda else torch.device("cpu")
    cfg = M.read_config()
    config, training = cfg["config"], dict(cfg["config"]["training"])
    if args.lr:
        training["learningRate"] = args.lr
    epochs = args.epochs or training.get("epochs") or 1
    torch.manual_seed(training.get("seed", 1) + rank)  # dropout masks differ per process

    net = M.load().to(device)
    dtype = next(net.parameters()).dtype
    x, y = M.load_split(cfg, "train", dtype, args.limit)
    x_test, y_test = M.load_split(cfg, "test", dtype)
    ddp = DistributedDataParallel(net)
    optimizer = make_optimizer(training, net)
    sampler = DistributedSampler(TensorDataset(x, y), num_replicas=world, rank=rank,
                                 shuffle=config["data"].get("shuffle", True), seed=training.get("seed", 1))
    loader = DataLoader(TensorDataset(x, y), batch_size=max(1, config["data"]["batchSize"] // world), sampler=sampler)
    log = print if rank == 0 else (lambda *a, **k: None)
    if training.get("schedule", {}).get("type", "constant") != "constant":
        log("note: the config's %s learning-rate schedule is not reproduced; training at %g" % (training["schedule"]["type"], training["learningRate"]))
    log("processes %d (%s), %d training samples, batch %d per process" % (world, "nccl" if use_cuda else "gloo", len(y), loader.batch_size))
    log("start: train loss %.6f" % mean_loss(net, x, y, device))

    for epoch in range(1, epochs + 1):
        sampler.set_epoch(epoch)
        ddp.train()
        for xb, yb in loader:
            loss = F.cross_entropy(ddp(xb.to(device)), yb.to(device))
            optimizer.zero_grad()
            loss.backward()  # DistributedDataParallel averages the gradients across processes here
            if training.get("clipNorm"):
                torch.nn.utils.clip_grad_norm_(net.parameters(), training["clipNorm"])
            optimizer.step()
        correct = accuracy(net, x_test, y_test, device)
        log("epoch %d/%d: train loss %.6f, test accuracy %.4f (%d/%d)"
            % (epoch, epochs, mean_loss(net, x, y, device), correct / len(y_test), correct, len(y_test)))

    if rank == 0:
        correct = accuracy(net, x_test, y_test, device)
        metrics = {"testAccuracy": correct / len(y_test), "trainedBy": "pytorch %s, %d processes" % (torch.__version__, world)}
        M.write_safetensors(args.out, net.nnt_tensors(), {
            "format": "nnt", "nnt.config": json.dumps(config), "nnt.metrics": json.dumps(metrics),
            "nnt.inputSize": str(cfg["inputSize"]), "nnt.classes": str(cfg["classes"])})
        print("test accuracy %.4f (%d/%d); weights saved to %s" % (correct / len(y_test), correct, len(y_test), args.out))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
