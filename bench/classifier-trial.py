#!/usr/bin/env python3
"""A learned classifier, measured against the rules (docs/detection.md, "A
learned classifier: measured, not adopted").

Trains a logistic regression on the development data (the detection set's
development part, the paraphrase set, the Docker corpus) with folds split by
source, so no source is both trained on and scored, and prints, for
thresholds that put 0-20 real tools above them, the share of attacks it
catches, how many of the attacks the rules miss it would add, and how many
of the honest tools written for the project it flags.

    cargo build --release -p mcp-trust --example detection_eval
    python3 -m venv /tmp/clf && /tmp/clf/bin/pip install scikit-learn
    /tmp/clf/bin/python bench/classifier-trial.py [C] [max n-gram]

Needs no network; never part of the scan.
"""
import json,glob,re,unicodedata,sys,subprocess
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
import os
ROOT=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
R=ROOT+'/testdata/'
def fold(s):
    s=unicodedata.normalize('NFKD',s)
    s=''.join(c for c in s if not unicodedata.combining(c))
    return s.lower()
def texts(t):
    out=[t.get('name',''), t.get('title','') or '', t.get('description','') or '']
    def walk(v):
        if isinstance(v,dict):
            for k,x in v.items():
                if k in('description','title') and isinstance(x,str): out.append(x)
                elif k in ('default','examples','enum','const') :
                    if isinstance(x,str): out.append(x)
                    elif isinstance(x,list): out.extend(str(y) for y in x if isinstance(y,str))
                walk(x)
        elif isinstance(v,list):
            for x in v: walk(x)
    walk(t.get('inputSchema',{})); walk(t.get('outputSchema',{}))
    a=t.get('annotations') or {}
    if isinstance(a,dict) and isinstance(a.get('title'),str): out.append(a['title'])
    return fold(' \n '.join(out))
def cases(d):
    return d if isinstance(d,list) else d.get('cases',[])
A=[];B=[]  # (text, group, id)
for f in sorted(glob.glob(R+'detection/malicious/*.json')):
    d=json.load(open(f))
    for c in cases(d):
        if c.get('split')=='dev': A.append((texts(c.get('tool') or c['live']),'det:'+f.split('/')[-1],c['id']))
for f in sorted(glob.glob(R+'paraphrase/malicious/*.json')):
    d=json.load(open(f))
    for c in cases(d): A.append((texts(c.get('tool') or c['live']),'par:'+f.split('/')[-1],c['id']))
for f in sorted(glob.glob(R+'detection/benign/*.json')):
    d=json.load(open(f))
    if d.get('split')!='dev': continue
    for t in d['tools']: B.append((texts(t),'real:'+f.split('/')[-1],t['name'],'real'))
for f in sorted(glob.glob(R+'paraphrase/benign/*.json')):
    d=json.load(open(f))
    for t in d['tools']: B.append((texts(t),'hon:'+f.split('/')[-1],t['name'],'hon'))
for f in sorted(glob.glob(R+'corpus/docker-mcp-registry/*/tools.json')):
    for t in json.load(open(f)): B.append((texts(t),'dock:'+f.split('/')[-2],t['name'],'real'))
print(len(A),len(B), file=sys.stderr)
# rule results on dev
E=os.environ.get('DETECTION_EVAL', os.path.join(os.environ.get('CARGO_TARGET_DIR', ROOT+'/target'), 'release/examples/detection_eval'))
miss={}
for d in ('detection','paraphrase'):
    out=subprocess.run([E,R+d,'-v'],capture_output=True,text=True).stdout
    sec=False
    for l in out.splitlines():
        if l.startswith('malicious cases not caught'): sec=True; continue
        if sec and not l.startswith('  '): sec=False
        if sec:
            p=l.split()
            if p[0]=='dev': miss[p[1]]= 'warn' if len(p)>3 else 'none'
X=[a[0] for a in A]+[b[0] for b in B]
y=np.array([1]*len(A)+[0]*len(B))
groups=[a[1] for a in A]+[b[1] for b in B]
# group k-fold: hold out each group-bucket
import hashlib
def bucket(g,k=5): return int(hashlib.md5(g.encode()).hexdigest(),16)%k
K=5
scores=np.zeros(len(X))
C=float(sys.argv[1]) if len(sys.argv)>1 else 1.0
ng=int(sys.argv[2]) if len(sys.argv)>2 else 2
for k in range(K):
    tr=[i for i in range(len(X)) if bucket(groups[i])!=k]; te=[i for i in range(len(X)) if bucket(groups[i])==k]
    v=CountVectorizer(binary=True,ngram_range=(1,ng),token_pattern=r"[a-z0-9_]+",min_df=2)
    Xtr=v.fit_transform([X[i] for i in tr]); m=LogisticRegression(C=C,max_iter=3000,class_weight='balanced')
    m.fit(Xtr,y[tr]); scores[te]=m.decision_function(v.transform([X[i] for i in te]))
real=[i for i in range(len(A),len(X)) if B[i-len(A)][3]=='real']
hon=[i for i in range(len(A),len(X)) if B[i-len(A)][3]=='hon']
rs=np.sort(scores[real])[::-1]
for fp in (0,2,5,10,20):
    th=rs[fp] if fp<len(rs) else -99
    caught=[i for i in range(len(A)) if scores[i]>th]
    rec=len(caught)/len(A)
    none_missed=[i for i in range(len(A)) if miss.get(A[i][2])=='none']
    err_missed=[i for i in range(len(A)) if A[i][2] in miss]
    add_any=sum(1 for i in none_missed if scores[i]>th)
    add_err=sum(1 for i in err_missed if scores[i]>th)
    honfp=sum(1 for i in hon if scores[i]>th)
    print(f"real FP {fp}/{len(real)} th={th:.2f}: clf recall {rec:.1%}; rule-missed(any) {len(none_missed)} -> +{add_any}; rule-missed(err) {len(err_missed)} -> +{add_err}; honest-written FP {honfp}/{len(hon)}")
