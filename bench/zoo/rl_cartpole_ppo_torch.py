"""PyTorch twin of examples/rl-cartpole.ts --agent ppo: the same CartPole-v1 physics (written out here,
no gym installed), the same PPO settings (8 envs x 32 steps, 20 epochs, batch 256, lr 1e-3 and clip 0.2
decayed linearly, gamma 0.98, lambda 0.8, tanh 64x64 policy and value nets, grad clip 0.5), 100k steps,
then 100 greedy evaluation episodes. Prints one JSON line: steps, train seconds, eval mean return.

    /usr/bin/python3 bench/zoo/rl_cartpole_ppo_torch.py [steps] [seed]
"""
import json, math, random, sys, time
import torch
import torch.nn as nn

torch.set_num_threads(1)


class CartPole:
    def __init__(self, rng):
        self.rng, self.steps, self.s = rng, 0, None

    def reset(self):
        self.s = [self.rng.uniform(-0.05, 0.05) for _ in range(4)]
        self.steps = 0
        return list(self.s)

    def step(self, a):
        x, xd, th, thd = self.s
        f = 10.0 if a == 1 else -10.0
        c, s = math.cos(th), math.sin(th)
        temp = (f + 0.05 * thd * thd * s) / 1.1
        tha = (9.8 * s - c * temp) / (0.5 * (4 / 3 - 0.1 * c * c / 1.1))
        xa = temp - 0.05 * tha * c / 1.1
        self.s = [x + 0.02 * xd, xd + 0.02 * xa, th + 0.02 * thd, thd + 0.02 * tha]
        self.steps += 1
        term = abs(self.s[0]) > 2.4 or abs(self.s[2]) > 12 * 2 * math.pi / 360
        trunc = not term and self.steps >= 500
        return list(self.s), 1.0, term, trunc


def mlp(out):
    return nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, out))


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    torch.manual_seed(seed)
    rng = random.Random(seed)
    n_envs, n_steps, epochs, batch, lr0, gamma, lam, clip0 = 8, 32, 20, 256, 1e-3, 0.98, 0.8, 0.2
    pi, vf = mlp(2), mlp(1)
    params = list(pi.parameters()) + list(vf.parameters())
    opt = torch.optim.Adam(params, lr=lr0, eps=1e-5)
    envs = [CartPole(rng) for _ in range(n_envs)]
    obs = [e.reset() for e in envs]
    updates = total // (n_envs * n_steps)
    t0 = time.time()
    for u in range(updates):
        prog = 1 - u / updates
        for g in opt.param_groups:
            g["lr"] = lr0 * prog
        clip = clip0 * prog
        b_obs, b_act, b_logp, rew, val, done = [], [], [], [], [], []
        for t in range(n_steps):
            with torch.no_grad():
                o = torch.tensor(obs, dtype=torch.float32)
                dist = torch.distributions.Categorical(logits=pi(o))
                a = dist.sample()
                lp = dist.log_prob(a)
                v = vf(o).squeeze(1)
            r_row, d_row = [], []
            for e in range(n_envs):
                b_obs.append(obs[e]); b_act.append(int(a[e])); b_logp.append(float(lp[e]))
                nxt, r, term, trunc = envs[e].step(int(a[e]))
                if trunc:
                    with torch.no_grad():
                        r += gamma * float(vf(torch.tensor([nxt], dtype=torch.float32))[0, 0])
                r_row.append(r); d_row.append(1.0 if term or trunc else 0.0)
                obs[e] = envs[e].reset() if term or trunc else nxt
            rew.append(r_row); val.append(v.tolist()); done.append(d_row)
        with torch.no_grad():
            val.append(vf(torch.tensor(obs, dtype=torch.float32)).squeeze(1).tolist())
        adv = [[0.0] * n_envs for _ in range(n_steps)]
        last = [0.0] * n_envs
        for t in reversed(range(n_steps)):
            for e in range(n_envs):
                nd = 1 - done[t][e]
                delta = rew[t][e] + gamma * nd * val[t + 1][e] - val[t][e]
                last[e] = delta + gamma * lam * nd * last[e]
                adv[t][e] = last[e]
        flat_adv = torch.tensor([x for row in adv for x in row])
        flat_ret = flat_adv + torch.tensor([x for row in val[:-1] for x in row])
        X = torch.tensor(b_obs, dtype=torch.float32)
        A = torch.tensor(b_act)
        LP = torch.tensor(b_logp)
        for _ in range(epochs):
            perm = torch.randperm(len(b_obs))
            for s in range(0, len(b_obs), batch):
                idx = perm[s:s + batch]
                ad = flat_adv[idx]
                ad = (ad - ad.mean()) / (ad.std(unbiased=False) + 1e-8)
                logp_all = torch.log_softmax(pi(X[idx]), -1)
                logp = logp_all.gather(1, A[idx].unsqueeze(1)).squeeze(1)
                ratio = torch.exp(logp - LP[idx])
                pl = -torch.min(ratio * ad, ratio.clamp(1 - clip, 1 + clip) * ad).mean()
                vl = ((vf(X[idx]).squeeze(1) - flat_ret[idx]) ** 2).mean()
                loss = pl + 0.5 * vl
                opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(params, 0.5); opt.step()
    secs = time.time() - t0
    returns = []
    for ep in range(100):
        env = CartPole(random.Random(1_000_000 + ep))
        o, tot = env.reset(), 0.0
        while True:
            with torch.no_grad():
                a = int(pi(torch.tensor([o], dtype=torch.float32)).argmax())
            o, r, term, trunc = env.step(a)
            tot += r
            if term or trunc:
                break
        returns.append(tot)
    print(json.dumps({"steps": updates * n_envs * n_steps, "trainSeconds": secs, "evalMeanReturn": sum(returns) / len(returns), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
