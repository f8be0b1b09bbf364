-- The catalogue's data: the notice of 2017-03-28 (signed 2017-02-27) by nine
-- central agencies on the intellectual-property strategy in the north-east, as
-- rows of the tables of 0002: agencies, provinces and localities, the document,
-- its sections, its 97 measures, who carries each measure where (with the
-- reason), and the tasks that result.
--
-- Source: docs/source/notice.zh-Hans.txt. Every Chinese text below is copied
-- byte for byte from it (sentences split at 。); the English is this project's
-- rendering. tests/catalogue/check_catalogue.py checks the rows against the
-- source.
--
-- Rules of the mapping (each row carries its reason):
--   * Lead: the agency whose remit the measure's subject is; SIPO where the
--     subject is IP in general. Support: only where the text plainly names
--     another agency's field (e.g. trademarks, copyright, public funds).
--   * Joint measures (joint = true) have several leads and no support: the
--     coordination measures of 七 addressed to the nine agencies together,
--     and the joint enforcement of 6.3.1 (SIPO, SAIC, NCAC, GACC).
--   * Provinces: a measure naming a province or a place targets the
--     province(s) named; one naming none targets all four.
--   * Tasks: one per measure x agency x province, generated at the end.

-- Agencies, in the notice's order. Successor columns: the 2018 reorganisation's
-- successor where the agency was renamed or merged; NULL where unchanged.
INSERT INTO agencies (code, name_zh, full_name_zh, name_en, abbr_en,
                      successor_name_zh, successor_name_en, successor_abbr_en,
                      remit_en, sort_order) VALUES
    ('sipo', '知识产权局', '国家知识产权局', 'State Intellectual Property Office', 'SIPO',
     '国家知识产权局', 'China National Intellectual Property Administration', 'CNIPA',
     'Patents and the national IP strategy: patent examination and administration, IP services and information, IP protection and its coordination, IP talent and publicity.',
     1),
    ('ndrc', '发展改革委', '国家发展和改革委员会', 'National Development and Reform Commission', 'NDRC',
     NULL, NULL, NULL,
     'Development planning, investment and funds, industrial policy, the revitalisation of the north-east, the social credit system.',
     2),
    ('most', '科技部', '科学技术部', 'Ministry of Science and Technology', 'MOST',
     NULL, NULL, NULL,
     'Science and technology programmes, research institutes and university research, the transfer of scientific and technological achievements, incubators and S&T information.',
     3),
    ('miit', '工业和信息化部', '工业和信息化部', 'Ministry of Industry and Information Technology', 'MIIT',
     NULL, NULL, NULL,
     'Manufacturing and informatisation, industrial clusters and industry associations, industry standards, small and medium-sized enterprises.',
     4),
    ('moa', '农业部', '农业部', 'Ministry of Agriculture', 'MOA',
     '农业农村部', 'Ministry of Agriculture and Rural Affairs', 'MARA',
     'Agriculture: new plant varieties and seeds, farm products and their geographical indications, agricultural machinery, agricultural technology extension.',
     5),
    ('moc', '文化部', '文化部', 'Ministry of Culture', 'MOC',
     '文化和旅游部', 'Ministry of Culture and Tourism', 'MCT',
     'The culture industry, traditional knowledge and folk literature and art, cultural exports, public libraries.',
     6),
    ('gacc', '海关总署', '海关总署', 'General Administration of Customs', 'GACC',
     NULL, NULL, NULL,
     'Customs: border protection of IP and enforcement against infringing imports and exports.',
     7),
    ('saic', '工商总局', '国家工商行政管理总局', 'State Administration for Industry and Commerce', 'SAIC',
     '国家市场监督管理总局', 'State Administration for Market Regulation', 'SAMR',
     'Trademarks (including geographical-indication marks), time-honoured brands, market access and supervision, enforcement, enterprise credit information publicity.',
     8),
    ('ncac', '版权局', '国家版权局', 'National Copyright Administration', 'NCAC',
     NULL, NULL, NULL,
     'Copyright: registration, licensing and trading, copyright demonstration work, legal software use (software licensing).',
     9);

-- Provinces (ISO 3166-2), in the notice's order.
INSERT INTO provinces (code, name_zh, short_zh, name_en, sort_order) VALUES
    ('CN-NM', '内蒙古自治区', '内蒙古', 'Inner Mongolia Autonomous Region', 1),
    ('CN-LN', '辽宁省', '辽宁', 'Liaoning Province', 2),
    ('CN-JL', '吉林省', '吉林', 'Jilin Province', 3),
    ('CN-HL', '黑龙江省', '黑龙江', 'Heilongjiang Province', 4);

-- Localities: every place a measure names, with the exact characters of the
-- text, in order of first appearance.
INSERT INTO localities (province_code, name_zh, name_en, kind, sort_order) VALUES
    ('CN-LN', '辽宁中部城市群', 'Central Liaoning City Cluster', 'region', 1),
    ('CN-LN', '大连', 'Dalian', 'city', 2),
    ('CN-LN', '丹东', 'Dandong', 'city', 3),
    ('CN-LN', '辽西', 'Western Liaoning', 'region', 4),
    ('CN-LN', '辽宁自贸区', 'China (Liaoning) Pilot Free Trade Zone', 'zone', 5),
    ('CN-NM', '蒙东', 'Eastern Inner Mongolia', 'region', 6),
    ('CN-LN', '沈阳', 'Shenyang', 'city', 7),
    ('CN-JL', '长春', 'Changchun', 'city', 8),
    ('CN-HL', '哈尔滨', 'Harbin', 'city', 9),
    ('CN-LN', '辽宁沿海经济带', 'Liaoning Coastal Economic Belt', 'region', 10),
    ('CN-JL', '长吉图经济区', 'Changchun-Jilin-Tumen Economic Zone', 'region', 11),
    ('CN-LN', '沈阳经济区', 'Shenyang Economic Zone', 'region', 12),
    ('CN-HL', '哈大齐工业走廊', 'Harbin-Daqing-Qiqihar Industrial Corridor', 'region', 13),
    ('CN-JL', '长春高新区', 'Changchun National High-tech Industrial Development Zone', 'zone', 14),
    ('CN-LN', '中德(沈阳)高端装备制造产业园', 'Sino-German (Shenyang) High-end Equipment Manufacturing Industrial Park', 'park', 15);

-- The document. title_zh is the Opinions' own heading (its two spaces are the
-- source's); issuers and recipients in the notice's order. The only copy at
-- hand is a third-party scrape, so no source URL is recorded.
INSERT INTO documents (code, title_zh, title_en, issuers, recipients,
                       signed_on, published_on, preamble_zh, preamble_en, source_url) VALUES
    ('ne-ip-2017',
     '关于支持东北老工业基地全面振兴  深入实施东北地区知识产权战略的若干意见',
     'Several Opinions on Supporting the Full Revitalisation of the Old North-east Industrial Base and Deepening the Implementation of the Intellectual Property Strategy in the North-east',
     ARRAY['sipo', 'ndrc', 'most', 'miit', 'moa', 'moc', 'gacc', 'saic', 'ncac'],
     ARRAY['CN-NM', 'CN-LN', 'CN-JL', 'CN-HL'],
     DATE '2017-02-27', DATE '2017-03-28',
     '为贯彻落实《中共中央 国务院关于全面振兴东北地区等老工业基地的若干意见》(中发〔2016〕7号),促进东北老工业基地创新驱动发展,现就深入推进东北地区知识产权战略实施提出如下意见。',
     'To implement the Several Opinions of the CPC Central Committee and the State Council on Fully Revitalising the North-east and Other Old Industrial Bases (Zhongfa [2016] No. 7) and to promote innovation-driven development of the old north-east industrial base, the following opinions are put forward on further advancing the implementation of the intellectual property strategy in the north-east.',
     NULL);

-- Sections: the chapters first, then their parts (which refer to them);
-- sort_order is the tree's reading order (1, 2, 2.1, 2.2, 3, 3.1, ...).
-- body_zh/body_en only where a section holds text but no measures: 一 and
-- 二(一), 二(二) (the goals, source of the indicators to come).
INSERT INTO sections (document_id, code, chapter, title_zh, title_en, body_zh, body_en, sort_order)
SELECT (SELECT id FROM documents WHERE code = 'ne-ip-2017'), v.code, v.chapter, v.title_zh, v.title_en, v.body_zh, v.body_en, v.sort_order
FROM (VALUES
    ('1', 1, '重要意义', 'Significance',
     '东北老工业基地是我国现代工业的摇篮和根基,在全面建成小康社会和全面深化改革开放进程中具有重要的战略地位。经过十余年转型发展,东北老工业基地知识产权制度渐趋完善,知识产权资源逐步集聚,知识产权环境不断优化,对推动经济社会发展的作用日益凸显。当前和今后一段时期,是东北老工业基地向创新驱动发展转变的关键,发挥东北地区科教资源优势,增强自主创新能力,促进产业结构、经济结构调整优化对知识产权战略实施提出了更高要求。

由于计划经济体制机制的长期束缚和传统产业结构刚性制约,东北老工业基地市场化程度不高,创新动力不足。知识产权资源总量少、质量低、空间发展不平衡,转化运用能力不强,支撑产业发展能力弱等问题仍然较为突出,利用知识产权制度支撑创新驱动发展、参与市场竞争的作用难以充分发挥。深入实施区域知识产权战略,完善知识产权区域布局,创新知识产权体制机制,是促进东北老工业基地创新驱动发展的重要支撑。',
     'The old industrial base of the north-east is the cradle and foundation of China''s modern industry and holds an important strategic position in completing the building of a moderately prosperous society in all respects and in comprehensively deepening reform and opening up. After more than ten years of transformation and development, its intellectual property system has gradually matured, its intellectual property resources have gradually accumulated, its intellectual property environment has steadily improved, and the role of intellectual property in driving economic and social development has become ever more evident. The present and the period ahead are critical for the old north-east industrial base to turn to innovation-driven development; drawing on the north-east''s strengths in science and education, strengthening independent innovation, and adjusting and optimising the industrial and economic structure place higher demands on the implementation of the intellectual property strategy.

Because of the long-standing constraints of the planned-economy system and mechanisms and the rigidity of its traditional industrial structure, the old north-east industrial base is not highly market-oriented and lacks the drive to innovate. Problems remain prominent: its intellectual property resources are few in total, low in quality and unevenly distributed, its capacity to commercialise and use them is weak, and their capacity to support industrial development is weak, so that the intellectual property system can hardly play its full part in supporting innovation-driven development and in market competition. Implementing the regional intellectual property strategy in depth, improving the regional layout of intellectual property and innovating intellectual property systems and mechanisms are an important support for the innovation-driven development of the old north-east industrial base.',
     1),
    ('2', 2, '指导思想和发展目标',
     'Guiding thought and development goals',
     NULL, NULL, 2),
    ('3', 3, '提升知识产权创造运用能力,促进知识产权转移转化',
     'Raising the capacity to create and use intellectual property and promoting its transfer and commercialisation',
     NULL, NULL, 5),
    ('4', 4, '发挥知识产权支撑引领作用,促进产业结构升级',
     'Letting intellectual property support and lead, and upgrading the industrial structure',
     NULL, NULL, 10),
    ('5', 5, '加强知识产权分类指导,促进区域协调发展',
     'Strengthening differentiated guidance on intellectual property and promoting coordinated regional development',
     NULL, NULL, 15),
    ('6', 6, '夯实知识产权工作基础,营造良好发展环境',
     'Consolidating the foundations of intellectual property work and creating a good environment for development',
     NULL, NULL, 18),
    ('7', 7, '加强组织领导与实施保障',
     'Strengthening organisational leadership and safeguards for implementation',
     NULL, NULL, 23)
) AS v(code, chapter, title_zh, title_en, body_zh, body_en, sort_order);

INSERT INTO sections (document_id, code, parent_id, chapter, part, title_zh, title_en, body_zh, body_en, sort_order)
SELECT (SELECT id FROM documents WHERE code = 'ne-ip-2017'), v.code,
       (SELECT id FROM sections WHERE document_id = (SELECT id FROM documents WHERE code = 'ne-ip-2017') AND code = v.chapter::text),
       v.chapter, v.part, v.title_zh, v.title_en, v.body_zh, v.body_en, v.sort_order
FROM (VALUES
    ('2.1', 2, 1, '指导思想', 'Guiding thought',
     '全面贯彻落实党的十八大和十八届三中、四中、五中、六中全会精神,深入学习贯彻习近平总书记系列重要讲话精神,认真落实党中央、国务院决策部署,坚持“五位一体”总体布局和“四个全面”战略布局,坚持创新、协调、绿色、开放、共享发展理念,贯彻落实《中共中央国务院关于全面振兴东北地区等老工业基地的若干意见》《中共中央 国务院关于深化体制机制改革加快实施创新驱动发展战略的若干意见》《国务院关于新形势下加快知识产权强国建设的若干意见》,深入实施国家知识产权战略,充分发挥东北老工业基地科教资源优势,著力提升知识产权创造运用水平,发挥知识产权服务支撑作用,夯实知识产权工作基础,加强知识产权分类指导,强化知识产权保护,培育区域产业竞争新优势,服务经济提质增效升级。',
     'Fully implement the spirit of the 18th National Congress of the Communist Party of China and of the third, fourth, fifth and sixth plenary sessions of the 18th Central Committee; study and implement in depth the spirit of General Secretary Xi Jinping''s series of important speeches; conscientiously carry out the decisions and arrangements of the Party Central Committee and the State Council; adhere to the "five-sphere integrated" overall plan and the "four comprehensives" strategic layout, and to the concept of innovative, coordinated, green, open and shared development; implement the Several Opinions of the CPC Central Committee and the State Council on Fully Revitalising the North-east and Other Old Industrial Bases, the Several Opinions of the CPC Central Committee and the State Council on Deepening the Reform of Systems and Mechanisms and Accelerating the Implementation of the Innovation-Driven Development Strategy, and the Several Opinions of the State Council on Accelerating the Building of a Strong Intellectual Property Nation under New Circumstances; implement the national intellectual property strategy in depth; give full play to the old north-east industrial base''s strengths in science and education; strive to raise the level of intellectual property creation and use; let intellectual property services play their supporting role; consolidate the foundations of intellectual property work; strengthen differentiated guidance on intellectual property; reinforce intellectual property protection; foster new competitive strengths for the region''s industries; and serve the drive to raise the quality, efficiency and level of the economy.',
     3),
    ('2.2', 2, 2, '发展目标', 'Development goals',
     '知识产权支撑东北老工业基地振兴作用凸显。专利、商标、版权等各类知识产权年均增长率、人均拥有量高于全国平均水平,重点特色产业知识产权优势明显,基层知识产权管理服务基本实现均等化,知识产权保护运用能力满足社会需求,形成若干知识产权创造、运用、保护高地,和具有示范作用的知识产权强省(区)、强市(州)、强县、强企,知识产权支撑区域和产业创新发展、参与国际竞争的作用充分发挥。',
     'Intellectual property plays a prominent part in supporting the revitalisation of the old north-east industrial base. The average annual growth rates and the per-capita holdings of patents, trademarks, copyrights and other kinds of intellectual property are higher than the national average; key and distinctive industries have clear intellectual property strengths; intellectual property administration and services at the basic level are broadly equalised; the capacity to protect and use intellectual property meets the needs of society; several highlands of intellectual property creation, use and protection are formed, together with exemplary strong intellectual property provinces (regions), cities (prefectures), counties and enterprises; and intellectual property plays its full part in supporting innovative development of the region and its industries and in international competition.',
     4),
    ('3.1', 3, 1, '建立市场导向型产学研合作新机制',
     'Building a new market-oriented mechanism of cooperation among industry, universities and research institutes',
     NULL, NULL, 6),
    ('3.2', 3, 2, '推进企业成为知识产权创造运用主体',
     'Making enterprises the main creators and users of intellectual property',
     NULL, NULL, 7),
    ('3.3', 3, 3, '强化知识产权成果转化的财政资金导向',
     'Strengthening the steering role of public funds in commercialising intellectual property',
     NULL, NULL, 8),
    ('3.4', 3, 4, '完善知识产权投融资机制',
     'Improving the mechanisms for investment and financing in intellectual property',
     NULL, NULL, 9),
    ('4.1', 4, 1, '推动知识产权与区域重点产业发展融合',
     'Integrating intellectual property with the development of the region''s key industries',
     NULL, NULL, 11),
    ('4.2', 4, 2, '支撑服务产业技术创新',
     'Supporting and serving technological innovation in industry',
     NULL, NULL, 12),
    ('4.3', 4, 3, '加强农业知识产权工作',
     'Strengthening intellectual property work in agriculture',
     NULL, NULL, 13),
    ('4.4', 4, 4, '助力东北地区文化产业持续发展繁荣',
     'Helping the north-east''s cultural industry to develop and flourish lastingly',
     NULL, NULL, 14),
    ('5.1', 5, 1, '实施差异化知识产权政策',
     'Implementing differentiated intellectual property policies',
     NULL, NULL, 16),
    ('5.2', 5, 2, '形成若干知识产权创造运用高地',
     'Forming several highlands of intellectual property creation and use',
     NULL, NULL, 17),
    ('6.1', 6, 1, '搭建知识产权公共服务体系',
     'Building a public service system for intellectual property',
     NULL, NULL, 19),
    ('6.2', 6, 2, '推进知识产权服务业发展',
     'Promoting the development of the intellectual property services industry',
     NULL, NULL, 20),
    ('6.3', 6, 3, '完善知识产权保护环境',
     'Improving the environment for intellectual property protection',
     NULL, NULL, 21),
    ('6.4', 6, 4, '强化知识产权人才培养和宣传教育',
     'Strengthening the training of intellectual property professionals, publicity and education',
     NULL, NULL, 22),
    ('7.1', 7, 1, '加强组织协调',
     'Strengthening organisation and coordination',
     NULL, NULL, 24),
    ('7.2', 7, 2, '做好实施保障',
     'Ensuring the safeguards for implementation',
     NULL, NULL, 25)
) AS v(code, chapter, part, title_zh, title_en, body_zh, body_en, sort_order);

-- Measures: every sentence of 三-七, one per row, code chapter.part.item.
-- section and item follow from the code; sort_order is 1..97 in text order.
INSERT INTO measures (document_id, section_id, code, item, text_zh, text_en, joint, sort_order)
SELECT (SELECT id FROM documents WHERE code = 'ne-ip-2017'),
       (SELECT id FROM sections
         WHERE document_id = (SELECT id FROM documents WHERE code = 'ne-ip-2017')
           AND code = split_part(v.code, '.', 1) || '.' || split_part(v.code, '.', 2)),
       v.code, split_part(v.code, '.', 3)::integer, v.text_zh, v.text_en, v.joint, v.sort_order
FROM (VALUES
    -- 3.1 三(一)建立市场导向型产学研合作新机制
    ('3.1.1', '加强高校知识产权管理,鼓励设置专门机构专职人员。',
     'Strengthen IP management in universities, and encourage them to set up dedicated offices with full-time staff.',
     false, 1),
    ('3.1.2', '在职称评定、考核奖励中突出知识产权转化运用导向。',
     'In the evaluation of professional titles and in assessments and rewards, give prominence to the commercialisation and use of IP.',
     false, 2),
    ('3.1.3', '贯彻落实《中华人民共和国促进科技成果转化法》《国务院实施<中华人民共和国促进科技成果转化法>若干规定》。',
     'Implement the Law of the People''s Republic of China on Promoting the Transformation of Scientific and Technological Achievements and the State Council''s Several Provisions on Implementing that Law.',
     false, 3),
    ('3.1.4', '推进省属高校和研究机构开展科技成果使用、处置和收益管理改革。',
     'Push provincial universities and research institutes to reform the management of the use and disposal of scientific and technological achievements and of the income from them.',
     false, 4),
    ('3.1.5', '支持高校和研究机构参与产学研用协同创新改革试验,探索协同创新中的知识产权服务保障机制。',
     'Support universities and research institutes in taking part in pilot reforms of collaborative innovation among industry, universities, research and users, and explore mechanisms of IP services and safeguards in collaborative innovation.',
     false, 5),
    ('3.1.6', '鼓励国有企业赋予下属科研院所知识产权处置和收益分配权。',
     'Encourage state-owned enterprises to give their subordinate research institutes the right to dispose of IP and to distribute the income from it.',
     false, 6),
    ('3.1.7', '加大“专利金桥”“专利超市”等平台建设,鼓励高校、科研院所和企业间搭建各类知识产权对接平台。',
     'Step up the building of platforms such as the "Patent Golden Bridge" and the "Patent Supermarket", and encourage universities, research institutes and enterprises to set up all kinds of IP matching platforms among themselves.',
     false, 7),
    ('3.1.8', '支持建设知识产权孵化器,建立专利价值评估、转化和企业孵化系统集成综合服务平台,促进知识产权产业化、商品化。',
     'Support the building of IP incubators, set up integrated comprehensive service platforms for patent valuation, commercialisation and business incubation, and promote the industrialisation and commercialisation of IP.',
     false, 8),
    -- 3.2 三(二)推进企业成为知识产权创造运用主体
    ('3.2.1', '加强企业知识产权管理标准贯彻工作,健全知识产权管理长效机制,提升企业知识产权战略运用能力。',
     'Strengthen the implementation of the enterprise IP management standard, improve long-term mechanisms of IP management, and raise enterprises'' capacity to use IP strategically.',
     false, 9),
    ('3.2.2', '建立经营业绩,知识产权和创新并重的国有企业考评模式。',
     'Establish an evaluation model for state-owned enterprises that gives equal weight to business performance, IP and innovation.',
     false, 10),
    ('3.2.3', '加强知识产权创造投入,明确财政资金资助科技项目的知识产权创造、运用导向。',
     'Increase investment in IP creation, and make clear that science and technology projects funded by public money are to be oriented towards the creation and use of IP.',
     false, 11),
    ('3.2.4', '探索建立政府引导、社会参与的知识产权发展基金,鼓励风险投资机构进入知识产权市场。',
     'Explore setting up IP development funds guided by government with participation from society, and encourage venture-capital institutions to enter the IP market.',
     false, 12),
    ('3.2.5', '强化重点行业、重点园区知识产权集群管理。',
     'Reinforce cluster-based IP management in key industries and key industrial parks.',
     false, 13),
    ('3.2.6', '支持拥有自主知识产权的单位和个人参与国际标准、国家标准、行业标准、地方标准的制定。',
     'Support units and individuals that own proprietary IP in taking part in drawing up international, national, industry and local standards.',
     false, 14),
    -- 3.3 三(三)强化知识产权成果转化的财政资金导向
    ('3.3.1', '支持地方建立促进知识产权转化的专项资金、融资补贴和风险补偿,形成以政府资助为引导、企业投入为主体、社会多方参与的联合工作体系。',
     'Support localities in setting up special funds, financing subsidies and risk compensation to promote the commercialisation of IP, forming a joint working system guided by government funding, with enterprise investment as the mainstay and with participation from many parts of society.',
     false, 15),
    ('3.3.2', '研究知识产权转化绩效预评估机制,探索建立以专利质量和转化绩效为目标的财政资金导向体系。',
     'Study a mechanism for evaluating in advance the performance of IP commercialisation, and explore a system for steering public funds with patent quality and commercialisation performance as its targets.',
     false, 16),
    ('3.3.3', '结合区域知识产权资源分析,完善专利资助政策,探索形成按照产业链、创新链、价值链进行资助的工作机制,突出对地方重点、支柱、特色、热点产业发展的支持。',
     'On the basis of analyses of the region''s IP resources, improve patent funding policies, explore working mechanisms that fund along industrial chains, innovation chains and value chains, and give prominence to supporting the development of local key, pillar, distinctive and fast-growing industries.',
     false, 17),
    ('3.3.4', '建立专利资助动态监管考核机制。',
     'Establish a mechanism for dynamic supervision and assessment of patent funding.',
     false, 18),
    -- 3.4 三(四)完善知识产权投融资机制
    ('3.4.1', '优化知识产权市场环境,完善社会化的知识产权价值评估体系。',
     'Improve the IP market environment, and improve a socialised system for valuing IP.',
     false, 19),
    -- 3.4.2: the scrape garbled 担保基金 here; docs/source has it repaired, as DESIGN.md says.
    ('3.4.2', '探索设立知识产权质押融资担保基金,提高中介机构的评估能力。',
     'Explore setting up a guarantee fund for IP pledge financing, and raise the valuation capacity of intermediary agencies.',
     false, 20),
    ('3.4.3', '深入开展知识产权投融资服务试点,加强专利、商标、版权等质押贷款工作。',
     'Carry out further pilots of IP investment and financing services, and strengthen pledge loans against patents, trademarks, copyrights and other IP.',
     false, 21),
    ('3.4.4', '强化知识产权与财税、金融、投资等政策措施的统筹协调,推动建立有效的知识产权投融资扶持政策、服务平台和推进机制。',
     'Reinforce the coordination of IP with fiscal, tax, financial, investment and other policy measures, and promote the establishment of effective support policies, service platforms and promotion mechanisms for IP investment and financing.',
     false, 22),
    ('3.4.5', '支持专利保险试点工作。',
     'Support pilot work on patent insurance.',
     false, 23),
    ('3.4.6', '健全知识产权转移交易体系,持续办好中国国际专利技术与产品交易会。',
     'Improve the system for IP transfer and trading, and continue to hold the China International Patent Technology and Product Fair well.',
     false, 24),
    -- 4.1 四(一)推动知识产权与区域重点产业发展融合
    ('4.1.1', '完善资源信息综合平台建设,集聚区域内外知识产权、创新、产业发展等资源,加强各类资源匹配分析,引导资源合理配置。',
     'Improve the building of integrated resource-information platforms, gather IP, innovation, industrial-development and other resources from inside and outside the region, strengthen matching analysis of all kinds of resources, and guide their rational allocation.',
     false, 25),
    ('4.1.2', '推动政府管理创新,加强知识产权区域布局工作开展,突出规划设计和政策引领,联合探索研究制定知识产权导向目录和导向规划,精准谋划新动能、新技术、新产业、新业态,探索形成知识产权引领支撑区域产业发展新机制。',
     'Promote innovation in government administration, strengthen work on the regional layout of IP with emphasis on planning and design and on policy guidance, jointly explore and draw up IP guidance catalogues and guidance plans, plan precisely for new drivers, new technologies, new industries and new business forms, and explore new mechanisms by which IP leads and supports the development of the region''s industries.',
     false, 26),
    ('4.1.3', '加快发展知识产权密集型产业。',
     'Accelerate the development of IP-intensive industries.',
     false, 27),
    ('4.1.4', '研究建立科技重大专项和科技计划知识产权目标评估制度。',
     'Study and establish a system for evaluating the IP targets of major science and technology projects and of science and technology programmes.',
     false, 28),
    ('4.1.5', '建立重大产业规划和政府重大投资活动的知识产权评议机制。',
     'Establish an IP review mechanism for major industrial plans and major government investment activities.',
     false, 29),
    ('4.1.6', '推进产业知识产权联盟建设,完善政府、行业协会、企业三位一体的管理服务模式,提高行业协会的知识产权管理服务能力。',
     'Promote the building of industrial IP alliances, improve a three-in-one model of administration and services linking government, industry associations and enterprises, and raise industry associations'' capacity for IP management and services.',
     false, 30),
    -- 4.2 四(二)支撑服务产业技术创新
    ('4.2.1', '加强智能制造、民用航空航天、海洋工程、轨道交通、新能源装备等高端装备制造业知识产权工作,加强对通用设备制造业知识产权创造的支持,加快知识产权与信息化、工业化融合,提高先进装备制造业国际竞争力。',
     'Strengthen IP work in high-end equipment manufacturing such as intelligent manufacturing, civil aviation and aerospace, ocean engineering, rail transport and new-energy equipment, strengthen support for IP creation in general-purpose equipment manufacturing, accelerate the integration of IP with informatisation and industrialisation, and raise the international competitiveness of advanced equipment manufacturing.',
     false, 31),
    ('4.2.2', '加强战略性新兴产业集聚发展园区知识产权工作,加强节能环保、生物、新能源、新能源汽车等产业知识产权布局,建设专题专利数据库,开展区域品牌建设试点示范,打造一批特色鲜明、竞争力强、市场信誉好的产业集群商标品牌。',
     'Strengthen IP work in parks where strategic emerging industries cluster, strengthen the IP layout of industries such as energy saving and environmental protection, biotechnology, new energy and new-energy vehicles, build thematic patent databases, carry out pilot demonstrations of regional brand building, and create a number of industrial-cluster trademark brands that are distinctive, highly competitive and of good market repute.',
     false, 32),
    ('4.2.3', '开展智能机器人、集成电路装备、光电子、生物医药等特色优势产业知识产权集群管理。',
     'Carry out cluster-based IP management in distinctive strong industries such as intelligent robots, integrated-circuit equipment, optoelectronics and biomedicine.',
     false, 33),
    ('4.2.4', '加强核电、火电、石化冶金、高档机床、食品工业等传统优势产业的知识产权创造和转化水平,促进产业优化升级、提质增效。',
     'Raise the level of IP creation and commercialisation in traditional strong industries such as nuclear power, thermal power, petrochemicals and metallurgy, high-end machine tools and the food industry, to promote industrial optimisation and upgrading and better quality and efficiency.',
     false, 34),
    -- 4.3 四(三)加强农业知识产权工作
    ('4.3.1', '加强相关领域知识产权相关政策制定,提高知识产权意识。',
     'Strengthen the making of IP policies in the relevant fields, and raise awareness of IP.',
     false, 35),
    ('4.3.2', '建立农业重大科技项目知识产权工作机制,深化知识产权在农业科技创新中的作用。',
     'Establish IP working mechanisms for major agricultural science and technology projects, and deepen the role of IP in agricultural scientific and technological innovation.',
     false, 36),
    ('4.3.3', '探索建立公益性资金支持的重要作物自主知识产权品种利益共享机制。',
     'Explore a benefit-sharing mechanism for varieties of important crops with proprietary IP that are supported by public-interest funding.',
     false, 37),
    ('4.3.4', '支持东北地区制定地理标志注册、运用和保护规划。',
     'Support the north-east in drawing up plans for the registration, use and protection of geographical indications.',
     false, 38),
    ('4.3.5', '建设国家地理标志产品保护示范区。',
     'Build national demonstration zones for the protection of geographical-indication products.',
     false, 39),
    ('4.3.6', '鼓励农林产品申请并获取知识产权,加强稻谷、玉米、大豆等主要农作物新品种的培育、申请与保护。',
     'Encourage applications for and the acquisition of IP for farm and forestry products, and strengthen the breeding, application and protection of new varieties of major crops such as rice, maize and soybeans.',
     false, 40),
    ('4.3.7', '鼓励传统优势农产品联合注册地理标志证明商标、集体商标或普通商标,注册外包装外观设计专利,支持农副产品深加工技术领域的专利申请,实施具有地域特色的农林产品品牌培育工程。',
     'Encourage traditional strong farm products to register jointly geographical-indication certification marks, collective marks or ordinary trademarks and to register design patents for their packaging, support patent applications in technologies for the deep processing of agricultural and sideline products, and carry out brand-building programmes for farm and forestry products with regional characteristics.',
     false, 41),
    ('4.3.8', '研究建设农机知识产权转移转化示范基地,构建农机专利池,指导成立农机知识产权保护联盟。',
     'Study the building of demonstration bases for the transfer and commercialisation of IP in agricultural machinery, build an agricultural-machinery patent pool, and guide the founding of an IP protection alliance for agricultural machinery.',
     false, 42),
    ('4.3.9', '扶持农牧业知识产权优势企业发展。',
     'Support the development of enterprises in farming and animal husbandry with strengths in IP.',
     false, 43),
    ('4.3.10', '加强相关领域知识产权信息服务,支持开展黑龙江省现代农业知识产权资源分析,强化黑龙江省粮食产能提升协同创新中心知识产权工作。',
     'Strengthen IP information services in the relevant fields, support an analysis of IP resources for modern agriculture in Heilongjiang Province, and reinforce IP work at the Heilongjiang Province Collaborative Innovation Centre for Raising Grain Production Capacity.',
     false, 44),
    -- 4.4 四(四)助力东北地区文化产业持续发展繁荣
    ('4.4.1', '指导东北地区制定区域传统知识产业化发展规划,完善传统知识的管理、保护和惠益分享机制,建设区域传统知识数据库,规范相关资源的获取、利用。',
     'Guide the north-east in drawing up regional plans for the industrial development of traditional knowledge, improve mechanisms for the management and protection of traditional knowledge and for sharing its benefits, build regional traditional-knowledge databases, and regulate access to and use of the related resources.',
     false, 45),
    ('4.4.2', '加强与现代科技结合,鼓励创新并充分利用专利等现有知识产权制度保护创新成果。',
     'Strengthen the combination with modern science and technology, encourage innovation, and make full use of patents and the other existing IP systems to protect the results of innovation.',
     false, 46),
    ('4.4.3', '推动传统知识和民间文艺保护与旅游、文化等相关产业融合发展。',
     'Promote the integrated development of the protection of traditional knowledge and folk literature and art with tourism, culture and related industries.',
     false, 47),
    ('4.4.4', '扶持老字号创新发展,提升老字号企业品牌价值。',
     'Support the innovative development of time-honoured brands (laozihao), and raise the brand value of time-honoured enterprises.',
     false, 48),
    ('4.4.5', '加大版权示范工作力度,推进软件正版化长效机制建设,促进文化产品和文化服务出口。',
     'Step up copyright demonstration work, promote the building of long-term mechanisms for the use of licensed software, and promote exports of cultural products and cultural services.',
     false, 49),
    ('4.4.6', '加强对中药资源的保护、研究开发与合理利用,开展中医药知识产权管理保护试点,推进中医药科技进步与创新。',
     'Strengthen the protection, research and development and rational use of traditional Chinese medicine resources, carry out pilots of IP management and protection for traditional Chinese medicine, and promote scientific and technological progress and innovation in traditional Chinese medicine.',
     false, 50),
    ('4.4.7', '推动辽宁中部城市群文化产业综合示范区、大连丹东沿海沿江文化产业先导区和辽西特色文化产业区建设。',
     'Promote the building of the comprehensive cultural-industry demonstration zone of the Central Liaoning City Cluster, the Dalian-Dandong coastal and riverside cultural-industry pilot zone, and the distinctive cultural-industry zone of Western Liaoning.',
     false, 51),
    -- 5.1 五(一)实施差异化知识产权政策
    ('5.1.1', '支持辽宁省发挥知识产权辐射带动作用,全力开展知识产权强省建设相关工作,探索建设路径和工作方案,出台指导性政策文件,推进辽宁自贸区等知识产权保护和管理体系建设,先行试点强市强县强企建设。',
     'Support Liaoning Province in playing its role of radiating and driving IP development: go all out in the work of building a strong IP province, explore the path and the work plan for it, issue guiding policy documents, promote the building of IP protection and administration systems in the Liaoning Free Trade Zone and elsewhere, and pilot first the building of strong IP cities, counties and enterprises.',
     false, 52),
    ('5.1.2', '发挥吉林省、黑龙江省科教资源优势,加大研发投入力度,促进高质量知识产权产出,鼓励知识产权本地产业化。',
     'Make use of the strengths of Jilin Province and Heilongjiang Province in science and education, step up investment in research and development, promote the output of high-quality IP, and encourage the local industrialisation of IP.',
     false, 53),
    ('5.1.3', '结合黑龙江省知识产权资源现状,加强知识产权综合实力建设,加强品牌培育,大力推进商标建设工程,深入开展基层知识产权公共服务能力提升计划,加强分类指导,夯实地市知识产权战略实施基础。',
     'In the light of the current state of IP resources in Heilongjiang Province, strengthen the building of overall IP strength, strengthen brand cultivation, vigorously advance the trademark-building programme, carry out in depth the programme to raise the capacity of basic-level IP public services, strengthen differentiated guidance, and consolidate the foundations for implementing the IP strategy in its prefecture-level cities.',
     false, 54),
    ('5.1.4', '强化吉林省、蒙东地区知识产权基础能力建设,完善各级知识产权管理体系,加大知识产权投入,加强知识产权宣传和意识培养,提高知识产权工作影响力。',
     'Reinforce the building of basic IP capacity in Jilin Province and in eastern Inner Mongolia, improve IP administration systems at every level, increase investment in IP, strengthen IP publicity and awareness-raising, and raise the influence of IP work.',
     false, 55),
    -- 5.2 五(二)形成若干知识产权创造运用高地
    ('5.2.1', '打造沈阳、大连、长春和哈尔滨知识产权创造运用高地,争创知识产权强市,集聚知识产权资源,服务辐射周边区域发展。',
     'Make Shenyang, Dalian, Changchun and Harbin highlands of IP creation and use, strive for the status of strong IP cities, gather IP resources, and serve and drive the development of the surrounding areas.',
     false, 56),
    ('5.2.2', '支持辽宁沿海经济带、长吉图经济区、沈阳经济区、哈大齐工业走廊等城市群开展知识产权区域布局试点工作,重点支持通用设备制造、汽车及零部件制造、仪器仪表制造、医药制造等比较优势产业发展,建设知识产权密集型产业集聚区和知识产权密集型产业产品示范基地。',
     'Support city clusters such as the Liaoning Coastal Economic Belt, the Changchun-Jilin-Tumen Economic Zone, the Shenyang Economic Zone and the Harbin-Daqing-Qiqihar Industrial Corridor in carrying out pilots of the regional layout of IP, with priority support for the development of industries with comparative advantages such as general-purpose equipment manufacturing, automobile and parts manufacturing, instrument and meter manufacturing and pharmaceutical manufacturing, and build clusters of IP-intensive industries and demonstration bases for the products of IP-intensive industries.',
     false, 57),
    ('5.2.3', '加强长春高新区国家专利导航产业发展实验区建设。',
     'Strengthen the building of the national patent-navigation experimental zone for industrial development in the Changchun High-tech Zone.',
     false, 58),
    ('5.2.4', '试点建设东北知识产权运营中心。',
     'Build, as a pilot, a north-east IP operation centre.',
     false, 59),
    ('5.2.5', '研究设立区域知识产权信息中心。',
     'Study setting up a regional IP information centre.',
     false, 60),
    ('5.2.6', '针对沈阳、大连、长春、哈尔滨等优势产业集聚区,积极开展集快速审查、快速确权、快速维权于一体,审查确权、行政执法、维权援助、仲裁调解、司法衔接相联动的产业知识产权快速协同保护工作,探索设立若干知识产权保护中心。',
     'For the clusters of strong industries in Shenyang, Dalian, Changchun, Harbin and elsewhere, actively carry out rapid coordinated IP protection for industries that combines fast examination, fast granting and fast enforcement of rights and links examination and granting, administrative enforcement, rights-protection assistance, arbitration and mediation and the courts, and explore setting up several IP protection centres.',
     false, 61),
    ('5.2.7', '建设北方国家版权交易中心。',
     'Build the Northern National Copyright Trading Centre.',
     false, 62),
    ('5.2.8', '支持哈尔滨打造对俄知识产权合作中心城市。',
     'Support Harbin in becoming a central city for IP cooperation with Russia.',
     false, 63),
    ('5.2.9', '探索建立针对主要贸易伙伴的知识产权服务中心,加强涉外知识产权服务。',
     'Explore setting up IP service centres aimed at major trading partners, and strengthen foreign-related IP services.',
     false, 64),
    ('5.2.10', '建设中德(沈阳)高端装备制造产业园知识产权环境建设先导区。',
     'Build an IP-environment pilot zone in the Sino-German (Shenyang) High-end Equipment Manufacturing Industrial Park.',
     false, 65),
    ('5.2.11', '鼓励东北地区开展知识产权试点示范城市建设。',
     'Encourage the north-east to build IP pilot and demonstration cities.',
     false, 66),
    -- 6.1 六(一)搭建知识产权公共服务体系
    ('6.1.1', '支持建设知识产权资源数据库、产业专题数据库,农产品知识产权信息平台、文化资源信息平台、知识产权服务信息平台、蒙汉双语知识产权信息服务平台、中小企业共性网络技术服务平台等。',
     'Support the building of IP resource databases and thematic industry databases, and of platforms such as an IP information platform for farm products, a cultural-resources information platform, an IP service information platform, a Mongolian-Chinese bilingual IP information service platform and a common network technology service platform for small and medium-sized enterprises.',
     false, 67),
    ('6.1.2', '推动知识产权信息资源进入各级公共图书馆、高校和研究机构信息平台、科技信息中心等,加强知识产权公共基础信息开放共享。',
     'Bring IP information resources into public libraries at every level, the information platforms of universities and research institutes, science and technology information centres and the like, and strengthen the open sharing of basic public IP information.',
     false, 68),
    ('6.1.3', '支持建立专利审查员教育实践基地,提升企业专利实务技能和核心竞争力,搭建双向互动交流平台。',
     'Support the setting-up of education and practice bases for patent examiners, raise enterprises'' practical patent skills and core competitiveness, and build platforms for two-way interaction and exchange.',
     false, 69),
    ('6.1.4', '支持探索开展基层知识产权工作服务站建设,拓展基层服务渠道,满足基层服务需求。',
     'Support the exploratory building of basic-level IP service stations, widen the channels of basic-level services, and meet basic-level service needs.',
     false, 70),
    ('6.1.5', '加大知识产权服务范围,主动融入科协宣传服务、农业科技推广运用等相关服务工作。',
     'Widen the scope of IP services, and take the initiative to join in related service work such as the publicity services of the associations for science and technology and the extension and application of agricultural technology.',
     false, 71),
    -- 6.2 六(二)推进知识产权服务业发展
    ('6.2.1', '引导设立知识产权服务机构发展基金,引入高端知识产权服务资源,适时建设知识产权服务业发展集聚区,指导服务机构集聚发展和布局优化。',
     'Guide the setting-up of development funds for IP service agencies, bring in high-end IP service resources, build in due course cluster zones for the development of the IP service industry, and guide the clustered development and better layout of service agencies.',
     false, 72),
    ('6.2.2', '加快培育知识产权服务品牌机构。',
     'Accelerate the cultivation of brand-name IP service agencies.',
     false, 73),
    ('6.2.3', '开展知识产权服务业准入放宽试点。',
     'Carry out pilots of relaxed market access for the IP service industry.',
     false, 74),
    ('6.2.4', '加强知识产权服务机构自律建设,规范服务行为,鼓励成立区域性服务联盟。',
     'Strengthen self-regulation among IP service agencies, regulate their conduct, and encourage the founding of regional service alliances.',
     false, 75),
    ('6.2.5', '探索开展政府购买知识产权服务试点工作,支持地市知识产权管理部门与优秀服务机构搭建长效对接机制,建立常态化业务指导培训机制。',
     'Explore pilots of government procurement of IP services, support the IP administrations of prefecture-level cities in setting up long-term links with excellent service agencies, and establish regular mechanisms of business guidance and training.',
     false, 76),
    ('6.2.6', '鼓励开展国际知识产权服务的交流与合作,加强与主要贸易伙伴知识产权服务业的交流学习,提高国际化、市场化水平。',
     'Encourage exchange and cooperation in international IP services, strengthen exchanges and mutual learning with the IP service industries of major trading partners, and raise the level of internationalisation and marketisation.',
     false, 77),
    -- 6.3 六(三)完善知识产权保护环境
    ('6.3.1', '加强知识产权行政执法能力建设,充实基层执法力量,完善知识产权联合执法和跨地区执法协作机制,积极开展执法专项行动,重点查办跨区域、大规模和社会反响强烈的侵权案件。',
     'Strengthen the capacity for administrative enforcement of IP, reinforce basic-level enforcement staff, improve the mechanisms for joint IP enforcement and for cross-regional enforcement cooperation, actively carry out special enforcement campaigns, and focus on investigating and handling infringement cases that are cross-regional, large-scale or provoke a strong public reaction.',
     true, 78),
    ('6.3.2', '推进知识产权维权援助和快速维权工作,完善知识产权维权援助与举报投诉机制。',
     'Advance IP rights-protection assistance and fast rights protection, and improve the mechanisms for IP rights-protection assistance and for reports and complaints.',
     false, 79),
    ('6.3.3', '推进知识产权领域社会信用体系建设工作,将知识产权侵权假冒行政处罚行为、重复侵权行为等的信用信息纳入社会信用信息目录,通过全国信用信息共享平台和国家企业信用信息公示系统等公示相关信息。',
     'Advance the building of the social credit system in the IP field, enter credit information such as administrative penalties for IP infringement and counterfeiting and repeated infringement into the catalogue of social credit information, and publish the related information through the national credit information sharing platform, the national enterprise credit information publicity system and other channels.',
     false, 80),
    ('6.3.4', '加强知识产权保护规范化市场培育,探索知识产权纠纷仲裁、调解等多元化争端解决机制。',
     'Strengthen the cultivation of markets with standardised IP protection, and explore diversified dispute-resolution mechanisms such as arbitration and mediation of IP disputes.',
     false, 81),
    ('6.3.5', '建立涉外知识产权协调处理机制,完善重大知识产权涉外案件上报制度和涉外知识产权法律援助机制。',
     'Establish a mechanism for coordinating and handling foreign-related IP matters, and improve the system for reporting major foreign-related IP cases and the legal-aid mechanism for foreign-related IP.',
     false, 82),
    -- 6.4 六(四)强化知识产权人才培养和宣传教育
    ('6.4.1', '支持制定知识产权人才发展规划,构建面向知识产权行政管理人员、服务业人才、企事业单位知识产权人才的常态化培训机制,开展高校知识产权服务人才培养教育试点。',
     'Support the drawing-up of plans for IP talent development, build regular training mechanisms for IP administrators, service-industry professionals and the IP staff of enterprises and public institutions, and carry out pilots of education and training of IP service professionals in universities.',
     false, 83),
    ('6.4.2', '支持建立知识产权宣传教育示范学校,鼓励高等院校开设知识产权选修课,设立知识产权学院。',
     'Support the setting-up of demonstration schools for IP publicity and education, encourage universities and colleges to offer elective courses on IP, and set up IP schools.',
     false, 84),
    ('6.4.3', '充分发挥国家知识产权培训基地作用。',
     'Give full play to the role of the national IP training bases.',
     false, 85),
    ('6.4.4', '支持大连理工大学知识产权学院和国家知识产权战略实施研究基地建设。',
     'Support the building of the School of Intellectual Property of Dalian University of Technology and of the national research base for the implementation of the IP strategy.',
     false, 86),
    ('6.4.5', '完善知识产权人才职称评定工作机制,建立区域内外知识产权人才双向交流机制,加强专利审查员、知识产权管理人员的挂职派驻。',
     'Improve the working mechanism for the evaluation of professional titles of IP professionals, establish a mechanism for two-way exchange of IP professionals between the region and elsewhere, and strengthen secondments and postings of patent examiners and IP administrators.',
     false, 87),
    ('6.4.6', '创新知识产权宣传普及模式,多渠道、多手段培育公众知识产权意识。',
     'Innovate the ways of IP publicity and popularisation, and foster public awareness of IP through many channels and means.',
     false, 88),
    -- 7.1 七(一)加强组织协调
    ('7.1.1', '加强东北地区知识产权战略协调长效机制建设,加强综合协调、调查研究和督导检查。',
     'Strengthen the building of a long-term mechanism for coordinating the IP strategy in the north-east, and strengthen overall coordination, investigation and research, and supervision and inspection.',
     true, 89),
    ('7.1.2', '支持建立东北地区知识产权工作联席会议制度,推动将知识产权议题纳入东北地区四省区行政省长协商机制。',
     'Support the establishment of a joint-meeting system for IP work in the north-east, and push for IP issues to be included in the governors'' consultation mechanism of the four north-eastern provinces and region.',
     true, 90),
    ('7.1.3', '研究制定东北老工业基地知识产权年度促进计划和知识产权相关配套政策。',
     'Study and draw up an annual IP promotion plan for the old north-east industrial base and supporting IP policies.',
     true, 91),
    ('7.1.4', '建立政策执行效果后评价机制,强化政策执行力度。',
     'Establish a mechanism for evaluating policies after implementation, and strengthen the enforcement of policies.',
     true, 92),
    -- 7.2 七(二)做好实施保障
    ('7.2.1', '强化东北地区各省(区)知识产权战略实施协调机制建设,加强部门间沟通协调和协作推进。',
     'Reinforce the building of mechanisms in each north-eastern province (region) for coordinating the implementation of the IP strategy, and strengthen communication, coordination and collaboration among departments.',
     true, 93),
    ('7.2.2', '完善地方知识产权政策体系,做好相关政策调整衔接。',
     'Improve local IP policy systems, and ensure that related policies are adjusted and dovetailed.',
     false, 94),
    ('7.2.3', '健全市县知识产权行政管理体系,推动资金、人员向市县的知识产权服务工作倾斜。',
     'Improve IP administration systems in cities and counties, and push for funds and staff to be tilted towards IP service work in cities and counties.',
     false, 95),
    ('7.2.4', '加强各部门各层级知识产权工作投入力度,建立稳定的投入增长机制。',
     'Increase the input into IP work by all departments at every level, and establish a mechanism for stable growth of input.',
     true, 96),
    ('7.2.5', '完善知识产权工作评价指标体系,强化政府绩效考核中的质量导向和运用导向。',
     'Improve the system of evaluation indicators for IP work, and reinforce the orientation towards quality and use in government performance assessment.',
     false, 97)
) AS v(code, text_zh, text_en, joint, sort_order);

-- Who carries each measure: the lead (the agency whose remit it is) and,
-- where the text plainly involves another remit, supporting agencies.
-- 6.3.1 (joint enforcement) lists its four leads here; the measures of 七
-- addressed to all nine agencies are added after this list.
INSERT INTO measure_agencies (measure_id, agency_code, role, rationale)
SELECT (SELECT id FROM measures WHERE code = v.code), v.agency_code, v.role, v.rationale
FROM (VALUES
    -- 三(一)建立市场导向型产学研合作新机制
    ('3.1.1', 'most', 'lead', 'IP management in universities: universities and research are MOST''s remit.'),
    ('3.1.1', 'sipo', 'support', 'IP management systems and their standards are SIPO''s remit.'),
    ('3.1.2', 'most', 'lead', 'Evaluating and rewarding researchers for technology transfer is MOST''s remit.'),
    ('3.1.3', 'most', 'lead', 'The Law on Promoting the Transformation of S&T Achievements is administered by MOST.'),
    ('3.1.4', 'most', 'lead', 'Reform of the management of S&T achievements of universities and institutes is MOST''s remit.'),
    ('3.1.5', 'most', 'lead', 'University-industry collaborative innovation pilots are MOST''s remit.'),
    ('3.1.5', 'sipo', 'support', 'The IP service and safeguard mechanism in the text is SIPO''s remit.'),
    ('3.1.6', 'most', 'lead', 'Disposal and income rights of research institutes (technology transfer) are MOST''s remit.'),
    ('3.1.7', 'sipo', 'lead', 'Patent trading platforms (Patent Golden Bridge, Patent Supermarket) are SIPO''s remit.'),
    ('3.1.7', 'most', 'support', 'The matching platforms involve universities and research institutes (MOST).'),
    ('3.1.8', 'sipo', 'lead', 'IP incubators and patent valuation platforms are SIPO''s remit.'),
    ('3.1.8', 'most', 'support', 'Business incubation is part of MOST''s technology-transfer remit.'),
    -- 三(二)推进企业成为知识产权创造运用主体
    ('3.2.1', 'sipo', 'lead', 'The enterprise IP management standard and its implementation are SIPO''s remit.'),
    ('3.2.2', 'sipo', 'lead', 'No issuing agency regulates state-owned enterprises; weighting IP in their evaluation falls to SIPO''s IP-strategy remit.'),
    ('3.2.3', 'most', 'lead', 'IP orientation of publicly funded S&T projects is MOST''s remit.'),
    ('3.2.3', 'ndrc', 'support', 'Public funding and investment in IP creation involve NDRC.'),
    ('3.2.4', 'ndrc', 'lead', 'Government guidance funds and venture capital are NDRC''s remit (funds, investment).'),
    ('3.2.4', 'sipo', 'support', 'The IP market the fund serves is SIPO''s remit.'),
    ('3.2.5', 'miit', 'lead', 'Key industries and industrial parks (industrial clusters) are MIIT''s remit.'),
    ('3.2.5', 'sipo', 'support', 'IP cluster management is a SIPO instrument.'),
    ('3.2.6', 'miit', 'lead', 'Industry standards and their drafting are MIIT''s remit; no standards body is among the issuers.'),
    ('3.2.6', 'sipo', 'support', 'Patents in standards involve SIPO.'),
    -- 三(三)强化知识产权成果转化的财政资金导向
    ('3.3.1', 'ndrc', 'lead', 'Special funds, financing subsidies and risk compensation are NDRC''s remit (funds).'),
    ('3.3.1', 'sipo', 'support', 'The IP commercialisation the funds promote is SIPO''s remit.'),
    ('3.3.2', 'sipo', 'lead', 'Evaluating IP commercialisation and patent quality is SIPO''s remit.'),
    ('3.3.2', 'ndrc', 'support', 'Steering public funds involves NDRC (funds).'),
    ('3.3.3', 'sipo', 'lead', 'Patent funding policy and regional IP resource analysis are SIPO''s remit.'),
    ('3.3.4', 'sipo', 'lead', 'Supervision of patent funding is SIPO''s remit.'),
    -- 三(四)完善知识产权投融资机制
    ('3.4.1', 'sipo', 'lead', 'The IP market and IP valuation are SIPO''s remit.'),
    ('3.4.2', 'sipo', 'lead', 'IP pledge financing is SIPO''s remit.'),
    ('3.4.2', 'ndrc', 'support', 'Setting up a guarantee fund involves NDRC (funds).'),
    ('3.4.3', 'sipo', 'lead', 'IP investment and financing pilots and patent pledges are SIPO''s remit.'),
    ('3.4.3', 'saic', 'support', 'Trademark pledges are SAIC''s remit (trademarks).'),
    ('3.4.3', 'ncac', 'support', 'Copyright pledges are NCAC''s remit (copyright).'),
    ('3.4.4', 'sipo', 'lead', 'IP investment and financing policy is SIPO''s remit.'),
    ('3.4.4', 'ndrc', 'support', 'Coordination with fiscal, financial and investment policy involves NDRC.'),
    ('3.4.5', 'sipo', 'lead', 'Patent insurance pilots are SIPO''s remit.'),
    ('3.4.6', 'sipo', 'lead', 'IP trading and the China International Patent Technology and Product Fair are SIPO''s remit.'),
    -- 四(一)推动知识产权与区域重点产业发展融合
    ('4.1.1', 'sipo', 'lead', 'IP resource-information platforms are SIPO''s remit.'),
    ('4.1.2', 'sipo', 'lead', 'The regional layout of IP and IP guidance catalogues are SIPO''s remit.'),
    ('4.1.2', 'ndrc', 'support', 'Joint planning and guidance plans involve NDRC (planning).'),
    ('4.1.3', 'miit', 'lead', 'Developing industries is MIIT''s remit (manufacturing, industrial clusters).'),
    ('4.1.3', 'sipo', 'support', 'IP-intensive industries are defined and tracked by SIPO.'),
    ('4.1.4', 'most', 'lead', 'Major S&T projects and S&T programmes are MOST''s remit.'),
    ('4.1.4', 'sipo', 'support', 'Evaluating IP targets involves SIPO.'),
    ('4.1.5', 'ndrc', 'lead', 'Major industrial plans and government investment are NDRC''s remit (planning, investment).'),
    ('4.1.5', 'sipo', 'support', 'IP review (evaluation) is a SIPO instrument.'),
    ('4.1.6', 'sipo', 'lead', 'Industrial IP alliances are SIPO''s remit.'),
    ('4.1.6', 'miit', 'support', 'Industry associations involve MIIT.'),
    -- 四(二)支撑服务产业技术创新
    ('4.2.1', 'miit', 'lead', 'High-end and general-purpose equipment manufacturing and informatisation are MIIT''s remit.'),
    ('4.2.2', 'miit', 'lead', 'Industrial parks and industrial clusters are MIIT''s remit.'),
    ('4.2.2', 'sipo', 'support', 'Thematic patent databases and IP layout are SIPO''s remit.'),
    ('4.2.2', 'saic', 'support', 'Industrial-cluster trademark brands are SAIC''s remit (trademarks).'),
    ('4.2.3', 'miit', 'lead', 'Distinctive manufacturing industries (robots, IC equipment, optoelectronics) are MIIT''s remit.'),
    ('4.2.3', 'sipo', 'support', 'IP cluster management is a SIPO instrument.'),
    ('4.2.4', 'miit', 'lead', 'Traditional manufacturing industries (power equipment, petrochemicals, machine tools, food) are MIIT''s remit.'),
    -- 四(三)加强农业知识产权工作
    ('4.3.1', 'moa', 'lead', 'IP policy in agriculture, the subject of this part, is MOA''s remit.'),
    ('4.3.2', 'moa', 'lead', 'Agricultural S&T projects are MOA''s remit.'),
    ('4.3.2', 'most', 'support', 'Major S&T projects involve MOST.'),
    ('4.3.3', 'moa', 'lead', 'Crop varieties and their benefit sharing are MOA''s remit (seeds).'),
    ('4.3.4', 'saic', 'lead', 'Registering and protecting geographical indications as marks is SAIC''s remit (trademarks).'),
    ('4.3.4', 'moa', 'support', 'Geographical indications of farm products involve MOA.'),
    ('4.3.5', 'saic', 'lead', 'Protection of geographical indications falls to SAIC (trademarks, market supervision); the GI-product office (AQSIQ) is not an issuer.'),
    ('4.3.5', 'moa', 'support', 'Geographical-indication products are mostly farm products (MOA).'),
    ('4.3.6', 'moa', 'lead', 'Farm products and new crop varieties are MOA''s remit (seeds).'),
    ('4.3.6', 'sipo', 'support', 'Applying for IP on farm and forestry products involves SIPO (patents).'),
    ('4.3.7', 'moa', 'lead', 'Farm products and their brands are MOA''s remit.'),
    ('4.3.7', 'saic', 'support', 'Certification, collective and ordinary trademarks are SAIC''s remit.'),
    ('4.3.7', 'sipo', 'support', 'Design patents and patent applications are SIPO''s remit.'),
    ('4.3.8', 'moa', 'lead', 'Agricultural machinery is MOA''s remit.'),
    ('4.3.8', 'sipo', 'support', 'The patent pool and IP transfer bases involve SIPO (patents).'),
    ('4.3.9', 'moa', 'lead', 'Farming and animal-husbandry enterprises are MOA''s remit.'),
    ('4.3.10', 'moa', 'lead', 'Modern agriculture and grain production are MOA''s remit.'),
    ('4.3.10', 'sipo', 'support', 'IP information services and IP resource analysis are SIPO''s remit.'),
    -- 四(四)助力东北地区文化产业持续发展繁荣
    ('4.4.1', 'moc', 'lead', 'Traditional knowledge is MOC''s remit.'),
    ('4.4.1', 'sipo', 'support', 'Traditional-knowledge databases serve the patent system (SIPO).'),
    ('4.4.2', 'sipo', 'lead', 'Using patents and the IP system to protect innovation is SIPO''s remit.'),
    ('4.4.2', 'moc', 'support', 'The innovations meant are those of traditional culture (MOC).'),
    ('4.4.3', 'moc', 'lead', 'Traditional knowledge, folk art and the culture industry are MOC''s remit.'),
    ('4.4.4', 'saic', 'lead', 'Time-honoured brands are SAIC''s remit.'),
    ('4.4.5', 'ncac', 'lead', 'Copyright demonstration and legal software use are NCAC''s remit.'),
    ('4.4.5', 'moc', 'support', 'Exports of cultural products and services involve MOC.'),
    ('4.4.6', 'sipo', 'lead', 'IP management and protection pilots are SIPO''s remit; the TCM administration is not an issuer.'),
    ('4.4.6', 'most', 'support', 'Research and S&T progress in traditional Chinese medicine involve MOST.'),
    ('4.4.7', 'moc', 'lead', 'Cultural-industry zones are MOC''s remit.'),
    -- 五(一)实施差异化知识产权政策
    ('5.1.1', 'sipo', 'lead', 'Building a strong IP province and IP protection systems are SIPO''s remit.'),
    ('5.1.2', 'most', 'lead', 'Science and education resources and R&D investment are MOST''s remit.'),
    ('5.1.3', 'sipo', 'lead', 'IP capacity and basic-level IP public services are SIPO''s remit.'),
    ('5.1.3', 'saic', 'support', 'Brand cultivation and the trademark-building programme are SAIC''s remit (trademarks).'),
    ('5.1.4', 'sipo', 'lead', 'Basic IP capacity and IP administration systems are SIPO''s remit.'),
    -- 五(二)形成若干知识产权创造运用高地
    ('5.2.1', 'sipo', 'lead', 'IP highlands and strong IP cities are SIPO''s remit.'),
    ('5.2.2', 'sipo', 'lead', 'Pilots of the regional layout of IP are SIPO''s remit.'),
    ('5.2.2', 'miit', 'support', 'The manufacturing industries and industry clusters named involve MIIT.'),
    ('5.2.3', 'sipo', 'lead', 'Patent-navigation experimental zones are SIPO''s remit.'),
    ('5.2.4', 'sipo', 'lead', 'IP operation centres are SIPO''s remit.'),
    ('5.2.5', 'sipo', 'lead', 'IP information centres are SIPO''s remit.'),
    ('5.2.6', 'sipo', 'lead', 'Rapid coordinated IP protection and IP protection centres are SIPO''s remit.'),
    ('5.2.7', 'ncac', 'lead', 'Copyright trading centres are NCAC''s remit.'),
    ('5.2.8', 'sipo', 'lead', 'International IP cooperation is SIPO''s remit.'),
    ('5.2.9', 'sipo', 'lead', 'Foreign-related IP services are SIPO''s remit.'),
    ('5.2.10', 'sipo', 'lead', 'The IP environment of an industrial park is SIPO''s remit.'),
    ('5.2.11', 'sipo', 'lead', 'IP pilot and demonstration cities are SIPO''s remit.'),
    -- 六(一)搭建知识产权公共服务体系
    ('6.1.1', 'sipo', 'lead', 'IP databases and IP information platforms are SIPO''s remit.'),
    ('6.1.1', 'moa', 'support', 'The IP information platform for farm products involves MOA.'),
    ('6.1.1', 'moc', 'support', 'The cultural-resources information platform involves MOC.'),
    ('6.1.1', 'miit', 'support', 'The service platform for small and medium-sized enterprises involves MIIT (SMEs).'),
    ('6.1.2', 'sipo', 'lead', 'IP information resources and their sharing are SIPO''s remit.'),
    ('6.1.2', 'moc', 'support', 'Public libraries are MOC''s remit.'),
    ('6.1.2', 'most', 'support', 'S&T information centres are MOST''s remit.'),
    ('6.1.3', 'sipo', 'lead', 'Patent examiners and patent practice are SIPO''s remit.'),
    ('6.1.4', 'sipo', 'lead', 'Basic-level IP service stations are SIPO''s remit.'),
    ('6.1.5', 'sipo', 'lead', 'The scope of IP services is SIPO''s remit.'),
    ('6.1.5', 'moa', 'support', 'Agricultural technology extension is MOA''s remit.'),
    -- 六(二)推进知识产权服务业发展
    ('6.2.1', 'sipo', 'lead', 'The IP service industry is SIPO''s remit.'),
    ('6.2.1', 'ndrc', 'support', 'Development funds and cluster zones involve NDRC (funds, planning).'),
    ('6.2.2', 'sipo', 'lead', 'The IP service industry is SIPO''s remit.'),
    ('6.2.3', 'sipo', 'lead', 'The IP service industry is SIPO''s remit.'),
    ('6.2.3', 'saic', 'support', 'Market access is SAIC''s remit (market supervision).'),
    ('6.2.4', 'sipo', 'lead', 'Supervision of IP service agencies is SIPO''s remit.'),
    ('6.2.5', 'sipo', 'lead', 'IP service procurement and local IP administrations are SIPO''s remit.'),
    ('6.2.6', 'sipo', 'lead', 'International exchange in IP services is SIPO''s remit.'),
    -- 六(三)完善知识产权保护环境
    ('6.3.1', 'sipo', 'lead', 'Joint enforcement: patent enforcement is SIPO''s remit.'),
    ('6.3.1', 'saic', 'lead', 'Joint enforcement: trademark and market enforcement is SAIC''s remit.'),
    ('6.3.1', 'ncac', 'lead', 'Joint enforcement: copyright enforcement is NCAC''s remit.'),
    ('6.3.1', 'gacc', 'lead', 'Joint enforcement: border enforcement against infringing goods is GACC''s remit.'),
    ('6.3.2', 'sipo', 'lead', 'IP rights-protection assistance and complaint handling are SIPO''s remit.'),
    ('6.3.3', 'sipo', 'lead', 'The social credit system in the IP field is SIPO''s remit.'),
    ('6.3.3', 'ndrc', 'support', 'The national credit information sharing platform is NDRC''s.'),
    ('6.3.3', 'saic', 'support', 'The national enterprise credit information publicity system is SAIC''s.'),
    ('6.3.4', 'sipo', 'lead', 'IP dispute resolution is SIPO''s remit.'),
    ('6.3.4', 'saic', 'support', 'Markets and their supervision are SAIC''s remit.'),
    ('6.3.5', 'sipo', 'lead', 'Foreign-related IP cases and legal aid are SIPO''s remit.'),
    -- 六(四)强化知识产权人才培养和宣传教育
    ('6.4.1', 'sipo', 'lead', 'IP talent planning and training are SIPO''s remit.'),
    ('6.4.2', 'sipo', 'lead', 'IP education and publicity are SIPO''s remit.'),
    ('6.4.3', 'sipo', 'lead', 'The national IP training bases are SIPO''s.'),
    ('6.4.4', 'sipo', 'lead', 'The national IP-strategy research base and IP education are SIPO''s remit.'),
    ('6.4.5', 'sipo', 'lead', 'IP professionals and patent-examiner secondments are SIPO''s remit.'),
    ('6.4.6', 'sipo', 'lead', 'IP publicity is SIPO''s remit.'),
    -- 七(二)做好实施保障
    ('7.2.2', 'sipo', 'lead', 'Local IP policy systems are SIPO''s remit.'),
    ('7.2.3', 'sipo', 'lead', 'City and county IP administration is SIPO''s remit.'),
    ('7.2.5', 'sipo', 'lead', 'Evaluation indicators for IP work are SIPO''s remit.')
) AS v(code, agency_code, role, rationale);

-- Measures addressed to the nine agencies together: every agency is a lead.
INSERT INTO measure_agencies (measure_id, agency_code, role, rationale)
SELECT m.id, a.code, 'lead',
       'Addressed to the nine issuing agencies jointly (' || v.what || '): ' || a.abbr_en || ' is one of the leads.'
FROM (VALUES
    ('7.1.1', 'coordination mechanism of the nine issuing agencies'),
    ('7.1.2', 'joint-meeting system of the nine issuing agencies'),
    ('7.1.3', 'annual plan and supporting policies drawn up together'),
    ('7.1.4', 'post-implementation evaluation of the notice''s policies'),
    ('7.2.1', 'coordination and collaboration among departments'),
    ('7.2.4', 'input by all departments at every level')
) AS v(code, what)
JOIN measures m ON m.code = v.code
CROSS JOIN agencies a;

-- Where each measure applies: measures that name a province or a place of one
-- target the province(s) named ...
INSERT INTO measure_provinces (measure_id, province_code, rationale)
SELECT (SELECT id FROM measures WHERE code = v.code), v.province_code, v.rationale
FROM (VALUES
    ('4.3.10', 'CN-HL', 'The text names 黑龙江省 (Heilongjiang).'),
    ('4.4.7', 'CN-LN', 'The text names places in 辽宁 (Liaoning): 辽宁中部城市群, 大连, 丹东, 辽西.'),
    ('5.1.1', 'CN-LN', 'The text names 辽宁省 (Liaoning) and 辽宁自贸区.'),
    ('5.1.2', 'CN-JL', 'The text names 吉林省 (Jilin).'),
    ('5.1.2', 'CN-HL', 'The text names 黑龙江省 (Heilongjiang).'),
    ('5.1.3', 'CN-HL', 'The text names 黑龙江省 (Heilongjiang).'),
    ('5.1.4', 'CN-NM', 'The text names 蒙东地区 (eastern Inner Mongolia).'),
    ('5.1.4', 'CN-JL', 'The text names 吉林省 (Jilin).'),
    ('5.2.1', 'CN-LN', 'The text names 沈阳 (Shenyang) and 大连 (Dalian), in Liaoning.'),
    ('5.2.1', 'CN-JL', 'The text names 长春 (Changchun), in Jilin.'),
    ('5.2.1', 'CN-HL', 'The text names 哈尔滨 (Harbin), in Heilongjiang.'),
    ('5.2.2', 'CN-LN', 'The text names 辽宁沿海经济带 and 沈阳经济区, in Liaoning.'),
    ('5.2.2', 'CN-JL', 'The text names 长吉图经济区, in Jilin.'),
    ('5.2.2', 'CN-HL', 'The text names 哈大齐工业走廊, in Heilongjiang.'),
    ('5.2.3', 'CN-JL', 'The text names 长春高新区 (Changchun High-tech Zone), in Jilin.'),
    ('5.2.6', 'CN-LN', 'The text names 沈阳 (Shenyang) and 大连 (Dalian), in Liaoning.'),
    ('5.2.6', 'CN-JL', 'The text names 长春 (Changchun), in Jilin.'),
    ('5.2.6', 'CN-HL', 'The text names 哈尔滨 (Harbin), in Heilongjiang.'),
    ('5.2.8', 'CN-HL', 'The text names 哈尔滨 (Harbin), in Heilongjiang.'),
    ('5.2.10', 'CN-LN', 'The text names 中德(沈阳)高端装备制造产业园, in Shenyang, Liaoning.'),
    ('6.4.4', 'CN-LN', 'The text names 大连理工大学 (Dalian University of Technology), in Dalian, Liaoning.')
) AS v(code, province_code, rationale);

-- ... and every other measure names no place: it targets all four.
INSERT INTO measure_provinces (measure_id, province_code, rationale)
SELECT m.id, p.code, 'The text names no province or place: it applies to all four provinces.'
FROM measures m CROSS JOIN provinces p
WHERE NOT EXISTS (SELECT 1 FROM measure_provinces mp WHERE mp.measure_id = m.id);

-- The places a measure names, under their province.
INSERT INTO measure_localities (measure_id, locality_id, rationale)
SELECT (SELECT id FROM measures WHERE code = v.code),
       (SELECT id FROM localities WHERE name_zh = v.locality), v.rationale
FROM (VALUES
    ('4.4.7', '辽宁中部城市群', 'The text names the 辽宁中部城市群 cultural-industry demonstration zone.'),
    ('4.4.7', '大连', 'The text names 大连丹东沿海沿江文化产业先导区, in Dalian and Dandong.'),
    ('4.4.7', '丹东', 'The text names 大连丹东沿海沿江文化产业先导区, in Dalian and Dandong.'),
    ('4.4.7', '辽西', 'The text names the 辽西 distinctive cultural-industry zone.'),
    ('5.1.1', '辽宁自贸区', 'The text names 辽宁自贸区 (China (Liaoning) Pilot Free Trade Zone).'),
    ('5.1.4', '蒙东', 'The text names 蒙东地区 (eastern Inner Mongolia).'),
    ('5.2.1', '沈阳', 'The text names 沈阳 (Shenyang).'),
    ('5.2.1', '大连', 'The text names 大连 (Dalian).'),
    ('5.2.1', '长春', 'The text names 长春 (Changchun).'),
    ('5.2.1', '哈尔滨', 'The text names 哈尔滨 (Harbin).'),
    ('5.2.2', '辽宁沿海经济带', 'The text names 辽宁沿海经济带 (Liaoning Coastal Economic Belt).'),
    ('5.2.2', '长吉图经济区', 'The text names 长吉图经济区 (Changchun-Jilin-Tumen Economic Zone).'),
    ('5.2.2', '沈阳经济区', 'The text names 沈阳经济区 (Shenyang Economic Zone).'),
    ('5.2.2', '哈大齐工业走廊', 'The text names 哈大齐工业走廊 (Harbin-Daqing-Qiqihar Industrial Corridor).'),
    ('5.2.3', '长春高新区', 'The text names 长春高新区 (Changchun National High-tech Industrial Development Zone).'),
    ('5.2.6', '沈阳', 'The text names 沈阳 (Shenyang).'),
    ('5.2.6', '大连', 'The text names 大连 (Dalian).'),
    ('5.2.6', '长春', 'The text names 长春 (Changchun).'),
    ('5.2.6', '哈尔滨', 'The text names 哈尔滨 (Harbin).'),
    ('5.2.8', '哈尔滨', 'The text names 哈尔滨 (Harbin).'),
    ('5.2.10', '中德(沈阳)高端装备制造产业园', 'The text names 中德(沈阳)高端装备制造产业园 (Sino-German (Shenyang) High-end Equipment Manufacturing Industrial Park).'),
    ('6.4.4', '大连', 'The text names 大连理工大学 (Dalian University of Technology), in Dalian.')
) AS v(code, locality, rationale);

-- Tasks: one per measure x agency x province, not started.
INSERT INTO tasks (measure_id, agency_code, province_code, role)
SELECT ma.measure_id, ma.agency_code, mp.province_code, ma.role
FROM measure_agencies ma
JOIN measure_provinces mp USING (measure_id)
JOIN measures m ON m.id = ma.measure_id
JOIN agencies a ON a.code = ma.agency_code
JOIN provinces p ON p.code = mp.province_code
ORDER BY m.sort_order, ma.role, a.sort_order, p.sort_order;

-- Guard: every measure has a province, and one lead (a joint one two or more).
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(m.code, ', ' ORDER BY m.sort_order) INTO bad
    FROM measures m
    WHERE NOT EXISTS (SELECT 1 FROM measure_provinces mp WHERE mp.measure_id = m.id)
       OR CASE WHEN m.joint THEN 2 ELSE 1 END >
          (SELECT count(*) FROM measure_agencies ma WHERE ma.measure_id = m.id AND ma.role = 'lead')
       OR (NOT m.joint AND 1 <
          (SELECT count(*) FROM measure_agencies ma WHERE ma.measure_id = m.id AND ma.role = 'lead'));
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'catalogue: measures without a province or with a wrong number of leads: %', bad;
    END IF;
END
$$;
